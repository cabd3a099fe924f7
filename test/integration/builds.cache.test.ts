import { join } from 'node:path';
import type { TestApi } from '../support/api';
import type { GitServer } from '../support/git-server';
import { buildLog, submitBuild, waitForBuild } from './build-helpers';
import { useBuildSuite } from './build-suite';

const FIXTURES = join(__dirname, '..', 'fixtures');
/** Two builds on 2 shared cores; Podman is the slower engine. */
const TEST_MS = 420_000;
const BUILD_MS = 180_000;

/** A step header in either engine's log: Docker `Step 4/9 : RUN ...`, Podman `[1/2] STEP 4/9: RUN ...`. */
const STEP = /^(\[\d+\/\d+\] )?(Step|STEP) \d+\/\d+ ?: /;

/** The log lines between the install step's header and the next step's. */
function installStepLines(lines: string[]): string[] {
  const start = lines.findIndex((line) => STEP.test(line) && /RUN .*npm install/.test(line));
  if (start < 0) throw new Error(`no install step in the log:\n${lines.join('\n')}`);
  const end = lines.findIndex((line, i) => i > start && STEP.test(line));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/**
 * Two fresh clones of one commit give the engine the same build context, so the second build's
 * install step comes from the layer cache; and the image holds neither `.git` nor Berth's files.
 */
describe('builds: an unchanged commit rebuilds from the layer cache', () => {
  const suite = useBuildSuite({ git: { allowed_hosts: ['127.0.0.1'] }, build: { timeout_seconds: 240 } });
  let api: TestApi;
  let git: GitServer;
  beforeAll(() => {
    ({ api, git } = suite);
  });

  /** Builds the repository with the nixpacks buildpack; answers the log's lines. */
  async function build(url: string, what: string): Promise<{ tag: string; lines: string[] }> {
    const tag = `berth-it-${api.runId}-cache-${what}:1`;
    const id = `${api.runId}-cache-${what}`;
    // The run id in a variable marks the build stage for removeBuildStages; it is the same in both builds.
    const body = {
      id,
      git_repo: url,
      git_branch: 'main',
      buildpack_type: 'nixpacks',
      image_tag: tag,
      nixpacks_config: { start_command: 'node server.js', variables: { CACHE_RUN: api.runId } },
    };
    await submitBuild(api, body);
    const ended = await waitForBuild(api, id, ['succeeded', 'failed', 'cancelled'], BUILD_MS);
    const lines = (await buildLog(api, id)).lines.map((l) => l.text);
    expect({ status: ended.status, tail: ended.status === 'succeeded' ? [] : lines.slice(-30) }).toEqual({ status: 'succeeded', tail: [] });
    return { tag, lines };
  }

  /** `ls -A /app` in a container of the image, removed afterwards. */
  async function appFiles(tag: string): Promise<string[]> {
    const container = await api.docker.createContainer({ Image: tag, Entrypoint: ['ls'], Cmd: ['-A', '/app'], Labels: { 'berth.test-run': api.runId } });
    try {
      await container.start();
      await container.wait();
      const output = await container.logs({ stdout: true, stderr: true, follow: false });
      // Multiplexed frames: an 8-byte header before each chunk of text.
      const text: string[] = [];
      for (let at = 0; at + 8 <= output.length; at += 8 + output.readUInt32BE(at + 4))
        text.push(output.subarray(at + 8, at + 8 + output.readUInt32BE(at + 4)).toString('utf8'));
      return text.join('').split('\n').filter(Boolean).sort();
    } finally {
      await container.remove({ force: true }).catch(() => undefined);
    }
  }

  it(
    'the second build of a commit takes its install step from the cache, and ships no .git nor .berth',
    async () => {
      const { url } = git.push(`${api.runId}-cache`, {}, { fromDir: join(FIXTURES, 'node-app') });
      const first = await build(url, 'first');
      const second = await build(url, 'second');
      expect(installStepLines(second.lines).some((line) => /-->\s*Using cache/.test(line))).toBe(true);
      for (const tag of [first.tag, second.tag]) {
        const files = await appFiles(tag);
        expect(files).toEqual(expect.arrayContaining(['build-output.txt', 'build.js', 'package.json', 'server.js']));
        expect(files.filter((f) => f === '.git' || f === '.berth' || f.startsWith('.berth-'))).toEqual([]);
      }
    },
    TEST_MS,
  );
});
