import { PlanError } from '../plan';
import { MemoryWorkspace } from '../testing/memory-workspace';
import { planErrorOf } from '../testing/plan-error';
import { detectFrontEnd } from './node-spa';

const manifest = (fields: Record<string, unknown>): Record<string, unknown> => fields;
const vite = manifest({ scripts: { dev: 'vite', build: 'vite build', preview: 'vite preview' }, devDependencies: { vite: '^6' } });

function detect(files: Record<string, string>, root: Record<string, unknown>, variables: Record<string, string> = {}, dir = '') {
  return detectFrontEnd(new MemoryWorkspace({ 'package.json': JSON.stringify(root), ...files }), dir, root, variables);
}

describe('detectFrontEnd: Vite, as Nixpacks spa/vite.rs', () => {
  it('detects a Vite app by dependency, config file or build script, and serves dist/ with the SPA fallback', () => {
    expect(detect({}, vite)).toEqual({ framework: 'vite', outputDir: 'dist', outputSource: 'default', spa: true });
    expect(detect({ 'vite.config.ts': 'export default {}' }, { scripts: { build: 'tsc -b && npm run bundle' } })).toMatchObject({ framework: 'vite' });
    // Nixpacks reads devDependencies only without dependencies; Berth reads both.
    expect(detect({}, { scripts: { build: 'tsc' }, dependencies: { react: '^18' }, devDependencies: { vite: '^6' } })).toMatchObject({ framework: 'vite' });
    expect(detect({}, { scripts: { build: 'tsc && vite build' } })).toMatchObject({ framework: 'vite' });
  });

  it('serves the folder the config or the build script writes, the config first, as Nixpacks reads them', () => {
    expect(detect({ 'vite.config.js': "export default { build: { outDir: 'build' } }" }, vite)).toMatchObject({
      outputDir: 'build',
      outputSource: 'vite.config.js outDir',
    });
    const script = manifest({ ...vite, scripts: { build: 'tsc -b && vite build --outDir out' } });
    expect(detect({}, script)).toMatchObject({ outputDir: 'out', outputSource: 'build script --outDir' });
    expect(detect({ 'vite.config.ts': 'outDir: "www",' }, script)).toMatchObject({ outputDir: 'www' });
    expect(detect({}, manifest({ ...vite, scripts: { build: 'vite build --outDir=public/app' } }))).toMatchObject({ outputDir: 'public/app' });
  });

  it('takes NIXPACKS_SPA_OUT_DIR (or NIXPACKS_SPA_OUTPUT_DIR) over everything, relative to the app folder', () => {
    expect(detect({}, vite, { NIXPACKS_SPA_OUT_DIR: 'site' })).toMatchObject({ outputDir: 'site', outputSource: 'NIXPACKS_SPA_OUT_DIR' });
    expect(detect({}, vite, { NIXPACKS_SPA_OUTPUT_DIR: './site/' })).toMatchObject({ outputDir: 'site', outputSource: 'NIXPACKS_SPA_OUTPUT_DIR' });
    expect(detect({ 'apps/web/package.json': '{}' }, vite, {}, 'apps/web')).toMatchObject({ outputDir: 'apps/web/dist' });
  });

  it('refuses an output folder outside the repository, naming where it came from', () => {
    const error = planErrorOf(() => detect({}, vite, { NIXPACKS_SPA_OUT_DIR: '../../etc' }));
    expect(error).toBeInstanceOf(PlanError);
    expect(error.field).toBe('NIXPACKS_SPA_OUT_DIR');
    expect(planErrorOf(() => detect({ 'vite.config.js': "outDir: '/srv/www'" }, vite)).message).toMatch(/must be relative to the repository/);
  });

  it('is off with NIXPACKS_SPA_CADDY=false or 0, as in Nixpacks', () => {
    expect(detect({}, vite, { NIXPACKS_SPA_CADDY: 'false' })).toBeUndefined();
    expect(detect({}, vite, { NIXPACKS_SPA_CADDY: '0' })).toBeUndefined();
    expect(detect({}, vite, { NIXPACKS_SPA_CADDY: 'true' })).toBeDefined();
  });
});

describe('detectFrontEnd: apps with a server of their own are not static', () => {
  it.each([
    ['Remix', { '@remix-run/react': '^2' }],
    ['React Router framework', { '@react-router/node': '^7' }],
    ['SvelteKit', { '@sveltejs/kit': '^2' }],
    ['Next.js', { next: '^14' }],
    ['Nuxt', { nuxt: '^3' }],
  ])('leaves %s to its own start command', (_, dependencies) => {
    expect(detect({}, manifest({ ...vite, dependencies }))).toBeUndefined();
  });

  it('leaves an app whose start script runs a server, or that has an entry file, to that server', () => {
    expect(detect({}, manifest({ ...vite, scripts: { build: 'vite build', start: 'node server.js' } }))).toBeUndefined();
    expect(detect({ 'server.js': '' }, vite)).toBeUndefined();
    expect(detect({ 'src/api.js': '' }, manifest({ ...vite, main: 'src/api.js' }))).toBeUndefined();
  });

  it('never runs a dev or preview server: such start scripts still mean a static site', () => {
    for (const start of ['vite', 'vite preview --port 3000', 'npx vite dev', 'react-scripts start', 'astro dev', 'serve -s build']) {
      expect(detect({}, manifest({ ...vite, scripts: { build: 'vite build', start } }))).toMatchObject({ framework: 'vite' });
    }
  });

  it('needs a build script: without one nothing would be served', () => {
    expect(detect({}, manifest({ devDependencies: { vite: '^6' }, scripts: { dev: 'vite' } }))).toBeUndefined();
  });
});

describe('detectFrontEnd: Create React App and Astro', () => {
  it('serves build/ of Create React App, or BUILD_PATH', () => {
    const cra = manifest({ dependencies: { react: '^18', 'react-scripts': '5.0.1' }, scripts: { start: 'react-scripts start', build: 'react-scripts build' } });
    expect(detect({}, cra)).toEqual({ framework: 'create-react-app', outputDir: 'build', outputSource: 'default', spa: true });
    expect(detect({}, cra, { BUILD_PATH: 'www' })).toMatchObject({ outputDir: 'www', outputSource: 'BUILD_PATH' });
  });

  it('serves a static Astro site without the SPA fallback, from dist/ or the config outDir', () => {
    const astro = manifest({ dependencies: { astro: '^4' }, scripts: { dev: 'astro dev', build: 'astro build' } });
    expect(detect({}, astro)).toEqual({ framework: 'astro', outputDir: 'dist', outputSource: 'default', spa: false });
    expect(detect({ 'astro.config.mjs': "export default defineConfig({ outDir: './public-site' })" }, astro)).toMatchObject({ outputDir: 'public-site' });
  });

  it('leaves a server-rendered Astro app to its server', () => {
    const astro = manifest({ dependencies: { astro: '^4' }, scripts: { build: 'astro build' } });
    expect(detect({ 'astro.config.mjs': "export default defineConfig({ output: 'server' })" }, astro)).toBeUndefined();
    expect(detect({ 'astro.config.ts': 'export default defineConfig({ output: "hybrid" })' }, astro)).toBeUndefined();
    expect(detect({ 'astro.config.mjs': 'export default defineConfig({ adapter: node({ mode: "standalone" }) })' }, astro)).toBeUndefined();
  });

  it('is not a front-end app without a framework it knows', () => {
    expect(detect({}, { scripts: { build: 'tsc' }, dependencies: { react: '^18' } })).toBeUndefined();
  });
});
