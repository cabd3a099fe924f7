import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import request from 'supertest';
import type { BuildWorker } from '../../workers/worker.composition';
import { removeLabelled, startTestApi, type TestApi } from '../support/api';
import { startGitServer, type GitServer } from '../support/git-server';
import { startTestWorker } from '../support/worker';
import { buildLog, closeBuildApi, getBuild, removeBuildStages, submitBuild, waitForBuild } from './build-helpers';
import { freePort, httpGet, uniqueName, waitForHttp } from './helpers';

const FIXTURES = join(__dirname, '..', 'fixtures');
const TEST_MS = 300_000;
const BUILD_MS = 240_000;

/**
 * The build step of the app: proves it saw the secret by writing its SHA-256 and length (never
 * the value) into the app, and prints the value, as careless build scripts do.
 */
const PROOF_JS = `const { createHash } = require('node:crypto');
const { writeFileSync } = require('node:fs');
const value = process.env.APP_SECRET || '';
console.log('secret seen by the build: ' + value);
writeFileSync('secret-proof.txt', createHash('sha256').update(value).digest('hex') + ' ' + value.length + '\\n');
`;

/** Serves the proof, the public variable, and whether the secret is in the run-time environment. */
const PROOF_SERVER_JS = `const { readFileSync } = require('node:fs');
require('node:http').createServer((req, res) => {
  const proof = readFileSync(__dirname + '/secret-proof.txt', 'utf8');
  res.end('proof: ' + proof + 'greeting: ' + process.env.GREETING + '\\nsecret at run time: ' + ('APP_SECRET' in process.env) + '\\n');
}).listen(3000, '0.0.0.0');
`;

/** A user's own Dockerfile that uses a build arg in a RUN step of a build stage only. */
const STAGED_DOCKERFILE = `FROM berth-test/busybox:latest AS build
ARG LICENSE_KEY
RUN echo "licence used: $LICENSE_KEY" && printf %s "$LICENSE_KEY" | wc -c > /licence-length
FROM berth-test/busybox:latest
COPY --from=build /licence-length /licence-length
CMD ["cat", "/licence-length"]
`;

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/**
 * Secret values of a build reach its build steps, and nowhere a user can read them afterwards:
 * not the stored log, not the build record, not the final image's config or history.
 */
describe('builds: secret values stay out of logs, records and images', () => {
  let api: TestApi;
  let git: GitServer;
  let worker: BuildWorker;
  const secrets: string[] = [];

  /** A value no other run uses, long enough to be hidden, with characters the shell would expand. */
  const secret = (what: string): string => {
    const value = `${what}-${randomBytes(12).toString('hex')}$HOME"'`;
    secrets.push(value);
    return value;
  };

  async function build(body: Record<string, unknown>): Promise<{ id: string; tag: string }> {
    const id = `${api.runId}-${String(body.image_tag).split(':')[0]}`;
    await submitBuild(api, { id, ...body });
    const ended = await waitForBuild(api, id, ['succeeded', 'failed', 'cancelled'], BUILD_MS);
    if (ended.status !== 'succeeded') {
      const tail = (await buildLog(api, id)).lines.slice(-30).map((l) => l.text);
      throw new Error(`build ${id} ${ended.status}: ${JSON.stringify(ended.error)}\n${tail.join('\n')}`);
    }
    return { id, tag: String(body.image_tag) };
  }

  /** What the API and the engine show of a build: log, record, image config and history. */
  async function shownAfter(id: string, tag: string): Promise<{ log: string[]; record: string; inspect: string; history: string; env: string[] }> {
    const log = (await buildLog(api, id)).lines.map((l) => l.text);
    const record = JSON.stringify([await getBuild(api, id), (await request(api.url).get('/api/v1/builds').set(api.auth())).body]);
    const image = api.docker.getImage(tag);
    const info = await image.inspect();
    const history = (await image.history()) as Array<{ CreatedBy?: string; Comment?: string }>;
    return { log, record, inspect: JSON.stringify(info), history: JSON.stringify(history), env: info.Config.Env ?? [] };
  }

  function expectAbsent(shown: Record<string, unknown>, values: string[]): void {
    for (const [where, text] of Object.entries(shown)) {
      for (const value of values) {
        // Also the value as JSON escapes it: the record and image texts are JSON.
        for (const form of [value, JSON.stringify(value).slice(1, -1)]) expect({ where, leaks: String(text).includes(form) }).toEqual({ where, leaks: false });
      }
    }
  }

  /** Runs `tag` through the containers API, publishing `port`; returns the base URL once it answers. */
  async function serve(tag: string, port: number): Promise<string> {
    const hostPort = await freePort();
    const created = await request(api.url)
      .post('/api/v1/containers')
      .set(api.auth())
      .send({ image: tag, name: uniqueName(api, 'secret'), ports: { [String(hostPort)]: String(port) } });
    expect(created.status).toBe(201);
    await request(api.url).post(`/api/v1/containers/${created.body.id}/start`).set(api.auth()).expect(200);
    const base = `http://127.0.0.1:${hostPort}`;
    await waitForHttp(base, 30_000);
    return base;
  }

  beforeAll(async () => {
    api = await startTestApi({ git: { allowed_hosts: ['127.0.0.1'] }, build: { timeout_seconds: 240 } });
    git = await startGitServer();
    worker = await startTestWorker(api.config);
  });

  afterAll(async () => {
    await worker?.close(true);
    if (api) {
      // Containers first: an image a running container uses cannot be removed.
      await removeLabelled(api.docker, `berth.instance=${api.runId}`);
      // The build stages stay on the engine as untagged images, holding the values in their history.
      await removeBuildStages(api, secrets);
      await closeBuildApi(api);
    }
    await git?.close();
  });

  it(
    'nixpacks: the env value reaches the build step, not the log, the record, the image config or history',
    async () => {
      const { url } = git.push(`${api.runId}-nixpacks-secret`, { 'proof.js': PROOF_JS, 'proof-server.js': PROOF_SERVER_JS }, { fromDir: join(FIXTURES, 'node-app') });
      const appSecret = secret('app');
      const unused = secret('unused');
      const greeting = `public-${api.runId}`;
      const { id, tag } = await build({
        git_repo: url,
        git_branch: 'main',
        buildpack_type: 'nixpacks',
        image_tag: `berth-it-${api.runId}-nixsecret:1`,
        env: { APP_SECRET: appSecret, UNUSED_TOKEN: unused },
        nixpacks_config: { build_command: 'npm run build && node proof.js', start_command: 'node proof-server.js', variables: { GREETING: greeting } },
      });

      const shown = await shownAfter(id, tag);
      expectAbsent(shown, [appSecret, unused]);
      // The build printed the value: the stored line has it hidden.
      expect(shown.log).toContain('secret seen by the build: ***');
      expect(shown.log).toContain('[plan] build env: APP_SECRET, UNUSED_TOKEN (build only, not kept in the image)');
      // The public variable is in the config and the history: these checks see values that are there.
      expect(shown.env).toContain(`GREETING=${greeting}`);
      expect(shown.history).toContain(greeting);
      expect(shown.env.some((e) => e.startsWith('APP_SECRET=') || e.startsWith('UNUSED_TOKEN='))).toBe(false);

      const body = (await httpGet(await serve(tag, 3000))).body;
      expect(body).toBe(`proof: ${sha256(appSecret)} ${appSecret.length}\ngreeting: ${greeting}\nsecret at run time: false\n`);
    },
    TEST_MS,
  );

  it(
    'dockerfile: a build arg used in a build stage reaches the step, not the log, the record or the final image',
    async () => {
      const { url } = git.push(`${api.runId}-dockerfile-secret`, { Dockerfile: STAGED_DOCKERFILE });
      const licence = secret('licence');
      const { id, tag } = await build({
        git_repo: url,
        git_branch: 'main',
        buildpack_type: 'dockerfile',
        image_tag: `berth-it-${api.runId}-dfsecret:1`,
        dockerfile_config: { build_args: { LICENSE_KEY: licence } },
      });

      const shown = await shownAfter(id, tag);
      expectAbsent(shown, [licence]);
      expect(shown.log).toContain('licence used: ***');
      expect(shown.history).toContain('/licence-length');

      const container = await api.docker.createContainer({ Image: tag, name: uniqueName(api, 'licence') });
      try {
        await container.start();
        await container.wait();
        const output = (await container.logs({ stdout: true, stderr: true, follow: false })).toString('utf8');
        expect(output).toContain(String(licence.length));
      } finally {
        await container.remove({ force: true });
      }
    },
    TEST_MS,
  );
});
