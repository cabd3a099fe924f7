import request from 'supertest';
import { removeLabelled, startTestApi, type TestApi } from '../support/api';
import { startGitServer, type GitServer } from '../support/git-server';
import { startTestWorker } from '../support/worker';
import type { BuildWorker } from '../../workers/worker.composition';
import { freePort, uniqueName, waitForHttp } from './helpers';
import { closeBuildApi, closeWorkers, getBuild, imageExists, removeBuildStages, submitBuild, waitForBuild } from './build-helpers';

/**
 * The Debian stand-ins made by scripts/base-images.sh: Python with its venv module and Go. Named
 * here until the test config's STAND_IN_IMAGES names them; the same names are meant.
 */
const DEBIAN_IMAGES = { python_image: 'berth-test/debian-python:3.11', go_image: 'berth-test/debian-go:1.19' };
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
  let api: TestApi;
  let git: GitServer;
  const workers: BuildWorker[] = [];

  beforeAll(async () => {
    api = await startTestApi({ git: { allowed_hosts: ['127.0.0.1'] }, buildpacks: DEBIAN_IMAGES });
    git = await startGitServer();
    workers.push(await startTestWorker(api.config));
  });
  afterAll(async () => {
    await closeWorkers(workers);
    // The served containers first: an image a running container uses cannot be removed.
    await removeLabelled(api.docker, `berth.instance=${api.runId}`);
    await removeBuildStages(api);
    await closeBuildApi(api);
    await git.close();
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

  /** Runs `image` through the containers API (removed when the API closes); answers its body. */
  async function served(image: string, containerPort: number): Promise<string> {
    const post = (path: string, body?: object) => request(api.url).post(path).set(api.auth()).send(body);
    const hostPort = await freePort();
    const created = await post('/api/v1/containers', { image, name: uniqueName(api, 'detection'), ports: { [String(hostPort)]: String(containerPort) } });
    expect(created.status).toBe(201);
    expect((await post(`/api/v1/containers/${created.body.id}/start`)).status).toBe(200);
    return (await waitForHttp(`http://127.0.0.1:${hostPort}/`, 30_000)).body;
  }

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
