import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STAND_IN_IMAGES, type TestApi } from '../support/api';
import type { GitServer } from '../support/git-server';
import { buildLog, getBuild, imageExists, submitBuild, waitForBuild, serveImage } from './build-helpers';
import { useBuildSuite } from './build-suite';

const FIXTURES = join(__dirname, '..', 'fixtures');
/** A cold build downloads the package manager and the dependency from the npm registry; Podman is the slower engine. */
const BUILD_MS = 240_000;
const TEST_MS = 300_000;
const ENDED = ['succeeded', 'failed', 'cancelled'];

interface Built {
  id: string;
  tag: string;
  ended: Awaited<ReturnType<typeof waitForBuild>>;
  lines: string[];
  plan: Record<string, unknown>;
}

/**
 * Each fixture is a real project with a lockfile written by its tool (pnpm 8 and 9, yarn 1 and 4)
 * and one dependency from the npm registry (`ms`). The served page says which tool and version
 * answers on PATH at run time, so the tool is proven to be in the image, not only while building,
 * and which one started the app (npm_config_user_agent), if any.
 */
describe('builds: Node package managers chosen as Nixpacks chooses them, installed from npm, run at start', () => {
  const suite = useBuildSuite({ git: { allowed_hosts: ['127.0.0.1'] } });
  let api: TestApi;
  let git: GitServer;
  beforeAll(() => {
    ({ api, git } = suite);
  });

  /** Pushes a fixture of test/fixtures (plus `files`) as repository `name`; `append` adds a commit to it. */
  function push(name: string, fixture: string | undefined, files: Record<string, string> = {}, append = false): string {
    return git.push(`${api.runId}-${name}`, files, { ...(fixture !== undefined && !append ? { fromDir: join(FIXTURES, fixture) } : {}), append }).url;
  }

  /** The run id in a variable (nixpacks) or a build arg (static) marks the build stage for removeBuildStages. */
  const nixpacks = () => ({ buildpack_type: 'nixpacks', nixpacks_config: { variables: { PM_TEST_RUN: api.runId } } });

  async function build(repo: string, tagName: string, body: Record<string, unknown> = nixpacks()): Promise<Built> {
    const tag = `berth-it-${api.runId}-${tagName}:1`;
    const { id } = await submitBuild(api, { git_repo: repo, image_tag: tag, ...body });
    const ended = await waitForBuild(api, id, ENDED, BUILD_MS);
    const lines = (await buildLog(api, id)).lines.map((l) => l.text);
    const view = (await getBuild(api, id)) as unknown as { plan: Record<string, unknown> };
    return { id, tag, ended, lines, plan: view.plan };
  }

  function expectSucceeded(built: Built): void {
    if (built.ended.status !== 'succeeded') throw new Error(`build ${built.id}: ${JSON.stringify(built.ended.error)}\n${built.lines.slice(-40).join('\n')}`);
  }

  const served = async (image: string, port = 3000): Promise<string> => (await serveImage(api, image, { port })).body;

  it.each([
    ['pm-pnpm-v6', 'pnpm', '8', "pnpm-lock.yaml lockfileVersion '6.0'", 'pnpm@8', /^pnpm\/8\./],
    ['pm-pnpm-v9', 'pnpm', '9', "pnpm-lock.yaml lockfileVersion '9.0'", 'pnpm@9', /^pnpm\/9\./],
    ['pm-yarn-classic', 'yarn', '1', 'yarn.lock', 'yarn@1', /^yarn\/1\./],
    ['pm-yarn-berry', 'yarn', '4.9.2', 'package.json packageManager "yarn@4.9.2"', '@yarnpkg/cli-dist@4.9.2', /^yarn\/4\.9\.2$/],
  ])(
    '%s: installs %s %s (%s) from the npm registry, and it is in the image at run time',
    async (fixture, manager, version, source, spec, onPath) => {
      const built = await build(push(fixture, fixture), fixture);
      expectSucceeded(built);
      expect(built.plan).toMatchObject({
        image: STAND_IN_IMAGES.node_image,
        packageManager: manager,
        packageManagerVersion: version,
        packageManagerSource: source,
        packageManagerInstall: spec,
        start: `${manager} run start`,
        warnings: [],
      });
      expect(built.lines).toContain(`[plan] setup: npm install --global --prefix /opt/berth-tools --no-audit --no-fund ${spec}`);
      expect(built.lines.some((line) => line.startsWith(`[plan] package manager: ${manager} ${version}`))).toBe(true);
      const answer = JSON.parse(await served(built.tag)) as { tool: string; agent: string | null; minute: string };
      // The dependency loads at run time (yarn 4 through Plug'n'Play, the others from node_modules).
      expect(answer.minute).toBe('1m');
      // The tool is on PATH at run time. The start script runs directly (no package manager in
      // between, so the app gets the stop signal), except under Plug'n'Play, which needs yarn.
      expect(answer.tool).toMatch(onPath);
      if (fixture === 'pm-yarn-berry') expect(answer.agent).toMatch(/^yarn\/4\.9\.2 /);
      else expect(answer.agent).toBeNull();
    },
    TEST_MS,
  );

  it(
    'runs the yarn release a .yarnrc.yml yarnPath commits, through yarn 1, while building and at start',
    async () => {
      // A real release, as `yarn set version` commits it: the CLI bundle npm publishes for 4.9.2.
      const dir = mkdtempSync(join(tmpdir(), 'berth-yarn-release-'));
      try {
        execFileSync('npm', ['pack', '--silent', '--pack-destination', dir, '@yarnpkg/cli-dist@4.9.2'], { stdio: 'ignore' });
        execFileSync('tar', ['-xzf', join(dir, 'yarnpkg-cli-dist-4.9.2.tgz'), '-C', dir]);
        const release = readFileSync(join(dir, 'package', 'bin', 'yarn.js'), 'utf8');
        const manifest = JSON.parse(readFileSync(join(FIXTURES, 'pm-yarn-berry', 'package.json'), 'utf8')) as Record<string, unknown>;
        delete manifest.packageManager;
        const files = { 'package.json': JSON.stringify(manifest), '.yarnrc.yml': 'yarnPath: .yarn/releases/yarn-4.9.2.cjs\n', '.yarn/releases/yarn-4.9.2.cjs': release };
        const built = await build(git.push(`${api.runId}-yarn-path`, files, { fromDir: join(FIXTURES, 'pm-yarn-berry') }).url, 'yarn-path');
        expectSucceeded(built);
        expect(built.plan).toMatchObject({
          packageManager: 'yarn',
          packageManagerVersion: '4.9.2',
          packageManagerSource: '.yarnrc.yml yarnPath .yarn/releases/yarn-4.9.2.cjs',
          packageManagerInstall: 'yarn@1',
          phases: { install: ['yarn install --immutable'] },
        });
        const answer = JSON.parse(await served(built.tag)) as { agent: string; minute: string };
        expect(answer).toMatchObject({ agent: expect.stringMatching(/^yarn\/4\.9\.2 /), minute: '1m' });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    TEST_MS,
  );

  it(
    'does not install the package manager again when only the source changed',
    async () => {
      expectSucceeded(await build(push('cache', 'pm-pnpm-v9'), 'cache-1'));
      const again = await build(push('cache', 'pm-pnpm-v9', { 'NOTES.md': 'a change of source\n' }, true), 'cache-2');
      expectSucceeded(again);
      const setupAt = again.lines.findIndex((line) => /npm install --global --prefix \/opt\/berth-tools/.test(line) && !line.startsWith('[plan]'));
      expect(setupAt).toBeGreaterThan(-1);
      // Both engines' builders say so right after the step: Docker "---> Using cache", Podman "--> Using cache".
      expect(again.lines.slice(setupAt + 1, setupAt + 3).join('\n')).toMatch(/Using cache/);
      const copyAt = again.lines.findIndex((line) => /COPY \. \/app/.test(line));
      expect(again.lines.slice(copyAt + 1, copyAt + 3).join('\n')).not.toMatch(/Using cache/);
    },
    TEST_MS,
  );

  it(
    'builds a pnpm site with the static buildpack: pnpm installs and builds it',
    async () => {
      const repo = push('static', 'pm-pnpm-v9');
      const built = await build(repo, 'static', {
        buildpack_type: 'static',
        env: { PM_TEST_RUN: api.runId },
        static_config: { build_command: 'pnpm run build', output_dir: 'dist' },
      });
      expectSucceeded(built);
      expect(built.plan).toMatchObject({ packageManager: 'pnpm', install: 'pnpm install --frozen-lockfile' });
      expect(await served(built.tag, 80)).toMatch(/^<p>built by pnpm\/9\.\S+ .* - 1m<\/p>/);
    },
    TEST_MS,
  );

  it(
    'refuses a bun project at plan time when no bun image is configured, and never builds it with npm',
    async () => {
      const files = {
        'package.json': JSON.stringify({ name: 'bun-app', scripts: { start: 'bun server.ts' }, dependencies: { ms: '2.1.3' } }),
        'bun.lock': '{\n  "lockfileVersion": 1,\n  "workspaces": { "": { "name": "bun-app", "dependencies": { "ms": "2.1.3" } } },\n  "packages": {}\n}\n',
        'server.ts': 'Bun.serve({ port: Number(process.env.PORT ?? 3000), fetch: () => new Response("bun") });\n',
      };
      const built = await build(push('bun', undefined, files), 'bun');
      expect(built.ended).toMatchObject({
        status: 'failed',
        attempts: 1,
        error: {
          code: 'invalid_repository',
          message: expect.stringMatching(
            /^nixpacks: this is a bun project \(bun\.lock\) and no bun image is configured: set \[buildpacks\] bun_image .*\(buildpacks\.bun_image\)$/,
          ),
        },
      });
      expect(built.lines.some((line) => /npm (ci|install)/.test(line))).toBe(false);
      expect(await imageExists(api, built.tag)).toBe(false);
    },
    TEST_MS,
  );
});
