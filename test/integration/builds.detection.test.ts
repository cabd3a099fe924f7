import type { TestApi } from '../support/api';
import type { GitServer } from '../support/git-server';
import { getBuild, imageExists, submitBuild, waitForBuild, serveImage } from './build-helpers';
import { useBuildSuite } from './build-suite';

const TEST_MS = 180_000;

/** Answers the contents of the file the Procfile's release command wrote before the app started. */
const RELEASE_SERVER = `const fs = require('fs');
require('http').createServer((req, res) => res.end(fs.readFileSync('/app/released.txt', 'utf8'))).listen(process.env.PORT || 3000);
`;

/** A standard-library server answering with the interpreter it runs under. */
const VENV_SERVER = `import os, sys
from http.server import BaseHTTPRequestHandler, HTTPServer

class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"prefix={sys.prefix}\\nexecutable={sys.executable}\\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

HTTPServer(("0.0.0.0", int(os.environ.get("PORT", "8000"))), Handler).serve_forever()
`;

const GO_SERVER = `package main

import (
	"fmt"
	"net/http"
	"os"
)

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "go without go.mod says hello") })
	if err := http.ListenAndServe(":"+port, nil); err != nil {
		panic(err)
	}
}
`;

describe('builds: Nixpacks detection of Staticfile, Procfile release, Python venv and main.go', () => {
  const suite = useBuildSuite({ git: { allowed_hosts: ['127.0.0.1'] } });
  let api: TestApi;
  let git: GitServer;
  beforeAll(() => {
    ({ api, git } = suite);
  });

  async function nixpacksBuild(name: string, files: Record<string, string>) {
    const { url } = git.push(`${api.runId}-${name}`, files);
    const tag = `berth-it-${api.runId}-${name}:1`;
    // The run id, as a variable, marks the build stage for removeBuildStages.
    const body = { git_repo: url, buildpack_type: 'nixpacks', image_tag: tag, nixpacks_config: { variables: { BERTH_TEST_RUN: api.runId } } };
    const { id } = await submitBuild(api, body);
    const ended = await waitForBuild(api, id, ['succeeded', 'failed', 'cancelled'], TEST_MS - 30_000);
    const plan = ((await getBuild(api, id)) as unknown as { plan: Record<string, unknown> }).plan;
    return { tag, ended, plan };
  }

  const served = async (image: string, port: number): Promise<string> => (await serveImage(api, image, { port })).body;

  it(
    "serves the Staticfile's root folder",
    async () => {
      const { tag, ended, plan } = await nixpacksBuild('staticfile', {
        Staticfile: 'root: site\n',
        'site/index.html': '<h1>served from the Staticfile root</h1>\n',
        'README.md': 'not served\n',
      });
      expect(ended).toMatchObject({ status: 'succeeded' });
      expect(plan).toMatchObject({ language: 'staticfile', start: null });
      expect(await served(tag, 80)).toBe('<h1>served from the Staticfile root</h1>\n');
    },
    TEST_MS,
  );

  it(
    'refuses at plan time a Staticfile root that is not in the repository',
    async () => {
      const { tag, ended } = await nixpacksBuild('staticfile-missing', { Staticfile: 'root: site\n', 'index.html': '' });
      expect(ended).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'invalid_repository', message: expect.stringContaining('Staticfile: root "site"') } });
      expect(await imageExists(api, tag)).toBe(false);
    },
    TEST_MS,
  );

  it(
    "runs the Procfile's release command when the container starts, before the web process",
    async () => {
      const { tag, ended, plan } = await nixpacksBuild('release', {
        'package.json': JSON.stringify({ name: 'release-app' }),
        Procfile: "release: node -e \"require('fs').writeFileSync('/app/released.txt', 'released at start\\n')\"\nweb: node server.js\n",
        'server.js': RELEASE_SERVER,
      });
      expect(ended).toMatchObject({ status: 'succeeded' });
      expect(plan).toMatchObject({ start: 'node server.js', sources: { start: 'Procfile' } });
      // The file is not in the image: only the release command, run at start, makes it.
      expect(await served(tag, 3000)).toBe('released at start\n');
    },
    TEST_MS,
  );

  it(
    'installs a Python app into the venv at /opt/venv and runs it from there',
    async () => {
      const { tag, ended, plan } = await nixpacksBuild('venv', { 'requirements.txt': '# standard library only\n', 'main.py': VENV_SERVER });
      expect(ended).toMatchObject({ status: 'succeeded' });
      expect(plan).toMatchObject({ language: 'python', python: { packageManager: 'requirements', venv: '/opt/venv' }, start: 'python main.py' });
      expect(await served(tag, 8000)).toBe('prefix=/opt/venv\nexecutable=/opt/venv/bin/python\n');
    },
    TEST_MS,
  );

  it(
    'builds and runs a main.go without go.mod',
    async () => {
      const { tag, ended, plan } = await nixpacksBuild('gomain', { 'main.go': GO_SERVER });
      expect(ended).toMatchObject({ status: 'succeeded' });
      expect(plan).toMatchObject({ language: 'go', module: 'no go.mod', phases: { build: ['go build -o /app/out main.go'] } });
      expect(await served(tag, 8080)).toBe('go without go.mod says hello\n');
    },
    TEST_MS,
  );
});
