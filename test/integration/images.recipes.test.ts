import { existsSync } from 'node:fs';
import request from 'supertest';
import { startTestApi, type TestApi } from '../support/api';
import { startTestWorker } from '../support/worker';
import type { BuildWorker } from '../../workers/worker.composition';
import { closeBuildApi, closeWorkers, getBuild, nonce, removeBuildStages } from './build-helpers';
import { expectError, parseEvents, poll, readText } from './helpers';

const DEBIAN = 'berth-test/debian-python:3.11';
const BUILD_MS = 150_000;

interface RecipeBody {
  id: string;
  status: string;
  state: string;
  exit_code?: number;
  image_id?: string;
  error?: { code: string; message: string };
  dockerfile?: string;
  lines: Array<{ seq: number; text: string }>;
  links: { build: string; logs: string; cancel: string };
}

describe('image recipes', () => {
  let api: TestApi;
  const workers: BuildWorker[] = [];
  const post = (path: string, body?: object) => request(api.url).post(path).set(api.auth()).send(body);
  const recipe = async (id: string): Promise<RecipeBody> => {
    const res = await request(api.url).get(`/api/v1/images/recipes/${id}`).set(api.auth());
    expect(res.status).toBe(200);
    return res.body as RecipeBody;
  };
  /** Polls the recipe view as a client would: until `state` is `exited`. */
  const exited = (id: string) => poll(`recipe ${id} to exit`, async () => ((await recipe(id)).state === 'exited' ? recipe(id) : undefined), BUILD_MS, 250);
  const submit = async (body: Record<string, unknown>): Promise<RecipeBody> => {
    const res = await post('/api/v1/images/recipes', body);
    expect({ status: res.status, error: res.body?.error }).toEqual({ status: 202, error: undefined });
    return res.body as RecipeBody;
  };
  const texts = (view: RecipeBody) => view.lines.map((l) => l.text);
  /** Fails with the log's tail when the build did not succeed. */
  const expectSucceeded = (view: RecipeBody) =>
    expect({ status: view.status, exit_code: view.exit_code, tail: view.status === 'succeeded' ? [] : texts(view).slice(-30) }).toEqual({
      status: 'succeeded',
      exit_code: 0,
      tail: [],
    });

  /** Output of `cmd` in a container of `image`, removed afterwards. */
  async function runIn(image: string, cmd: string[]): Promise<string> {
    const container = await api.docker.createContainer({ Image: image, Entrypoint: cmd.slice(0, 1), Cmd: cmd.slice(1), Labels: { 'berth.test-run': api.runId } });
    try {
      await container.start();
      await container.wait();
      const output = await container.logs({ stdout: true, stderr: true, follow: false });
      const text: string[] = [];
      for (let at = 0; at + 8 <= output.length; at += 8 + output.readUInt32BE(at + 4))
        text.push(output.subarray(at + 8, at + 8 + output.readUInt32BE(at + 4)).toString('utf8'));
      return text.join('');
    } finally {
      await container.remove({ force: true }).catch(() => undefined);
    }
  }

  beforeAll(async () => {
    api = await startTestApi();
    workers.push(await startTestWorker(api.config));
  });
  afterAll(async () => {
    await closeWorkers(workers);
    if (api) {
      await removeBuildStages(api);
      await closeBuildApi(api);
    }
  });

  it(
    'upgrades, installs apt packages and runs commands into an image that runs jq; the Dockerfile is stored with the build',
    async () => {
      const word = nonce();
      const tag = `${api.runId}-jq:1`;
      const queued = await submit({
        name: tag,
        base_image: DEBIAN,
        update: true,
        apt_install: ['jq'],
        commands: [`echo '{"word":"${word}"}' > /word.json`, 'jq -r .word /word.json > /word.txt', 'cat /word.txt', `touch /tmp/${word}`],
      });
      expect(queued).toMatchObject({ status: 'queued', state: 'queued', lines: [], links: { build: `/api/v1/builds/${queued.id}` } });

      const view = await exited(queued.id);
      expectSucceeded(view);
      expect(texts(view).some((t) => /\d+ upgraded, \d+ newly installed/.test(t))).toBe(true);
      expect(texts(view).some((t) => t.includes('Setting up jq'))).toBe(true);
      expect(texts(view).some((t) => t.trim() === word)).toBe(true);
      expect(view.dockerfile).toContain(`FROM ${DEBIAN}\n`);
      expect(view.dockerfile).toContain('"apt-install","jq"]');

      expect(await runIn(tag, ['jq', '-r', '.word', '/word.json'])).toBe(`${word}\n`);
      expect(await runIn(tag, ['cat', '/word.txt'])).toBe(`${word}\n`);
      // The commands ran in the build container: the file is in the image, not on this host.
      expect(await runIn(tag, ['ls', `/tmp/${word}`])).toBe(`/tmp/${word}\n`);
      expect(existsSync(`/tmp/${word}`)).toBe(false);

      // The same log as a followed build's: SSE log events, then the end.
      const sse = await request(api.url).get(`${view.links.logs}?follow=true`).set(api.auth()).buffer(true).parse(readText);
      const events = parseEvents(sse.body as string);
      expect(events.filter((e) => e.event === 'log')).toHaveLength(view.lines.length);
      expect(events.at(-1)).toMatchObject({ event: 'end', data: { status: 'succeeded' } });

      const build = await getBuild(api, queued.id);
      expect(build).toMatchObject({ status: 'succeeded', buildpack_type: 'recipe', image_tag: tag, image_id: view.image_id });
      expect((build as unknown as { plan: Record<string, unknown> }).plan).toMatchObject({
        buildpack: 'recipe',
        base_image: DEBIAN,
        apt_install: ['jq'],
        dockerfile: view.dockerfile,
      });
      expect((build as unknown as Record<string, unknown>).git_repo).toBeUndefined();
    },
    BUILD_MS + 30_000,
  );

  it('refuses bad package names, versions, commands and images with 400 naming the field, and queues nothing', async () => {
    const base = { name: `${api.runId}-bad:1`, base_image: DEBIAN };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ apt_install: ['jq', 'curl=7.88.1-10+deb12u5', 'Bad_Name'] }, 'apt_install[2]'],
      [{ apt_install: ['jq=not a version'] }, 'apt_install[0]'],
      [{ apt_install: ['-o=APT::Get::AllowUnauthenticated=true'] }, 'apt_install[0]'],
      [{ apt_install: ['jq; rm -rf /'] }, 'apt_install[0]'],
      [{ pip_install: ['requests>=2,<3', '--index-url=http://127.0.0.1/simple'] }, 'pip_install[1]'],
      [{ pip_install: ['https://example.invalid/x.whl'] }, 'pip_install[0]'],
      [{ pip_install: ['./local/path'] }, 'pip_install[0]'],
      [{ pip_install: ['six ==1.16'] }, 'pip_install[0]'],
      [{ pip_install: ['six==not.a.version'] }, 'pip_install[0]'],
      [{ commands: ['echo fine', ''] }, 'commands[1]'],
      [{ commands: ['echo one\necho two'] }, 'commands[0]'],
      [{ base_image: 'Not An Image' }, 'base_image'],
      [{ name: 'UPPER:1' }, 'name'],
      [{ apt_install: [{ name: 'jq' }] }, 'apt_install.$0'],
      [{ update: 'yes' }, 'update'],
      [{ pip_index_url: 'http://127.0.0.1:1/simple' }, 'pip_index_url'],
    ];
    for (const [fields, field] of cases) {
      const id = `${api.runId}-bad-${field.replace(/[^a-z0-9]/g, '')}`;
      const res = await post('/api/v1/images/recipes', { ...base, id, ...fields });
      expectError(res, 400, 'invalid_input', field);
      expect((await request(api.url).get(`/api/v1/builds/${id}`).set(api.auth())).status).toBe(404);
    }
  });

  it(
    "pip with no reachable index fails the build with pip's own message, after a single retry",
    async () => {
      const view = await exited((await submit({ name: `${api.runId}-pip:1`, base_image: DEBIAN, pip_install: ['six==1.16.0'] })).id);
      expect({ status: view.status, exit_code: view.exit_code, code: view.error?.code }).toEqual({ status: 'failed', exit_code: 1, code: 'build_failed' });
      const log = texts(view).join('\n');
      expect(log).toMatch(/No matching distribution found for six==1\.16\.0/);
      // `--retries 1`: pip tries twice, not six times with back-offs.
      expect(log.match(/WARNING: Retrying/g) ?? []).toHaveLength(1);
    },
    BUILD_MS,
  );

  it(
    'installs pip packages from the index the base image configures (a local wheel folder)',
    async () => {
      const word = nonce();
      const files: Record<string, string> = {
        // \x27 is a quote for Python; the script sits inside the shell's single quotes.
        'berthdemo/__init__.py': `WORD = \\x27${word}\\x27\\n`,
        'berthdemo-0.1.dist-info/METADATA': 'Metadata-Version: 2.1\\nName: berthdemo\\nVersion: 0.1\\n',
        'berthdemo-0.1.dist-info/WHEEL': 'Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n',
        'berthdemo-0.1.dist-info/RECORD': '',
      };
      const writes = Object.entries(files)
        .map(([path, text]) => `z.writestr("${path}", "${text}")`)
        .join('; ');
      const wheels = `${api.runId}-wheels:1`;
      const base = await exited(
        (
          await submit({
            name: wheels,
            base_image: DEBIAN,
            commands: [
              'mkdir -p /wheels',
              `python3 -c 'import zipfile; z = zipfile.ZipFile("/wheels/berthdemo-0.1-py3-none-any.whl", "w"); ${writes}; z.close()'`,
              "printf '[global]\\nno-index = true\\nfind-links = /wheels\\n' > /etc/pip.conf",
            ],
          })
        ).id,
      );
      expectSucceeded(base);

      const tag = `${api.runId}-pipped:1`;
      const view = await exited(
        (await submit({ name: tag, base_image: wheels, pip_install: ['berthdemo==0.1'], commands: ['python3 -c "import berthdemo; print(berthdemo.WORD)"'] })).id,
      );
      expectSucceeded(view);
      expect(texts(view).some((t) => t.includes('Successfully installed berthdemo-0.1'))).toBe(true);
      expect(await runIn(tag, ['python3', '-c', 'import berthdemo; print(berthdemo.WORD)'])).toBe(`${word}\n`);
    },
    2 * BUILD_MS,
  );

  it(
    'is cancelled like any build: the recipe view ends exited and cancelled',
    async () => {
      const word = nonce();
      const { id } = await submit({ name: `${api.runId}-cancel:1`, base_image: 'berth-test/busybox:latest', commands: [`echo ${word}; sleep 100000`], no_cache: true });
      await poll(
        'the step to print its word',
        async () => {
          const view = await recipe(id);
          return view.state === 'running' && texts(view).some((t) => t.trim() === word) ? view : undefined;
        },
        BUILD_MS,
      );
      expect((await post(`/api/v1/builds/${id}/cancel`)).status).toBe(202);
      const view = await exited(id);
      expect({ status: view.status, exit_code: view.exit_code, code: view.error?.code }).toEqual({ status: 'cancelled', exit_code: 1, code: 'cancelled' });
    },
    BUILD_MS,
  );
});
