import type { PlanRequest } from '../plan';
import { MemoryWorkspace } from '../testing/memory-workspace';
import { planErrorOf } from '../testing/plan-error';
import { testSettings } from '../testing/settings';
import { renderNginxConf } from './nginx.conf';
import { nginxStartScript } from './nginx-start.script';
import { staticBuildpack } from './static.buildpack';

/** A Vite single-page app: `vite build` writes dist/index.html and dist/assets/*. */
const viteApp = new MemoryWorkspace({
  'package.json': JSON.stringify({ scripts: { dev: 'vite', build: 'vite build' }, devDependencies: { vite: '^5.4.0' } }),
  'package-lock.json': '{"lockfileVersion":3}',
  'index.html': '<div id="app"></div><script type="module" src="/src/main.ts"></script>',
  'src/main.ts': 'document.title = "app"',
});

function request(options: PlanRequest['static'], env: Record<string, string> = {}): PlanRequest {
  return { buildpackType: 'static', imageTag: 'site:1', env, static: options };
}

describe('staticBuildpack with a build command', () => {
  it('builds a Vite SPA in a node stage and serves dist/ with nginx', () => {
    const plan = staticBuildpack(viteApp, request({ buildCommand: 'npm run build' }, { VITE_API_URL: 'https://api.example.com' }), testSettings());
    expect(plan.images).toHaveLength(1);
    const image = plan.images[0];
    expect(image).toMatchObject({ tag: 'site:1', context: '', dockerfile: '.berth/Dockerfile', buildArgs: { VITE_API_URL: 'https://api.example.com' } });
    expect(Object.keys(image?.files ?? {})).toEqual(['.berth/Dockerfile', '.berth/nginx.conf', '.berth/nginx-start.sh']);
    expect(image?.files['.berth/Dockerfile']).toBe(
      [
        'FROM node:20-alpine AS build',
        'WORKDIR /app',
        'ARG VITE_API_URL',
        'COPY . .',
        'RUN ["sh","-c","npm ci"]',
        'RUN ["sh","-c","npm run build"]',
        '',
        'FROM nginx:alpine',
        'COPY .berth/nginx.conf /etc/nginx/conf.d/default.conf',
        'COPY .berth/nginx-start.sh /etc/nginx/berth-start.sh',
        'COPY --from=build /app/dist/ /usr/share/nginx/html/',
        'ENTRYPOINT ["sh","/etc/nginx/berth-start.sh"]',
        '',
      ].join('\n'),
    );
    expect(image?.files['.berth/nginx.conf']).toBe(renderNginxConf({ spa: true }));
    expect(image?.files['.berth/nginx-start.sh']).toBe(nginxStartScript);
    expect(plan.summary).toEqual([
      'static: build in node:20-alpine, serve dist/ with nginx:alpine',
      "package manager: npm (package-lock.json), the image's",
      'install: npm ci',
      'build: npm run build',
      'spa fallback: on (unknown paths serve /index.html)',
      'build env: VITE_API_URL (build only, not kept in the image)',
    ]);
    expect(plan.details).toEqual({
      mode: 'build',
      builderImage: 'node:20-alpine',
      serverImage: 'nginx:alpine',
      packageManager: 'npm',
      packageManagerVersion: null,
      packageManagerSource: 'package-lock.json',
      packageManagerInstall: null,
      install: 'npm ci',
      build: 'npm run build',
      outputDir: 'dist/',
      spa: true,
      buildEnv: ['VITE_API_URL'],
    });
  });

  it('passes env values only as build args to ARGs of the build stage, never as ENV nor to nginx', () => {
    const env = { NPM_TOKEN: 'npm_s3cr3t-value', SENTRY_KEY: 'a"b$c\\d' };
    const plan = staticBuildpack(viteApp, request({ buildCommand: 'npm run build' }, env), testSettings());
    const dockerfile = plan.images[0]?.files['.berth/Dockerfile'] ?? '';
    for (const value of Object.values(env)) expect(dockerfile).not.toContain(value);
    expect(dockerfile).not.toMatch(/^ENV /m);
    expect(plan.images[0]?.buildArgs).toEqual(env);
    const [build, final] = dockerfile.split(/\n(?=FROM )/);
    expect(build).toContain('\nARG NPM_TOKEN\nARG SENTRY_KEY\n');
    expect(final).not.toMatch(/ARG|NPM_TOKEN|SENTRY_KEY/);
    expect(JSON.stringify([plan.summary, plan.details])).not.toMatch(/s3cr3t|a"b/);
  });

  it('refuses an env name or value that would add instructions', () => {
    const build = (env: Record<string, string>) => () => staticBuildpack(viteApp, request({ buildCommand: 'npm run build' }, env), testSettings());
    expect(build({ 'A\nRUN id': 'v' })).toThrow(expect.objectContaining({ field: 'env.A\nRUN id' }));
    expect(build({ A: 'v\nRUN id' })).toThrow(expect.objectContaining({ field: 'env.A' }));
  });

  it.each([
    [{ 'yarn.lock': '# yarn lockfile v1\n' }, 'yarn@1', 'yarn install --frozen-lockfile'],
    [{ 'yarn.lock': '__metadata:\n  version: 8\n' }, '@yarnpkg/cli-dist@4', 'yarn install --immutable'],
    [{ 'pnpm-lock.yaml': "lockfileVersion: '9.0'\n" }, 'pnpm@9', 'pnpm install --frozen-lockfile'],
    [{ 'pnpm-lock.yaml': "lockfileVersion: '6.0'\n" }, 'pnpm@8', 'pnpm install --frozen-lockfile'],
  ])('installs the package manager of %j from npm before the source, then installs with it', (lockfile, spec, install) => {
    const app = new MemoryWorkspace({ 'package.json': '{}', ...lockfile });
    const plan = staticBuildpack(app, request({ buildCommand: 'npm run build' }, { TOKEN: 'x' }), testSettings());
    const setup = `npm install --global --prefix /opt/berth-tools --no-audit --no-fund ${spec}`;
    expect(plan.images[0]?.files['.berth/Dockerfile']).toContain(
      [
        'WORKDIR /app',
        'ENV PATH=/opt/berth-tools/bin:$PATH',
        `RUN ${JSON.stringify(['sh', '-c', setup])}`,
        'ARG TOKEN',
        'COPY . .',
        `RUN ${JSON.stringify(['sh', '-c', install])}`,
      ].join('\n'),
    );
    expect(plan.details).toMatchObject({ install, setup: [setup], packageManagerInstall: spec });
    expect(plan.summary).toContain(`setup: ${setup}`);
  });

  it("installs with npm, the image's own, when there is no other lockfile", () => {
    const plan = staticBuildpack(new MemoryWorkspace({ 'package.json': '{}' }), request({ buildCommand: 'npm run build' }), testSettings());
    expect(plan.images[0]?.files['.berth/Dockerfile']).toContain('COPY . .\nRUN ["sh","-c","npm install"]\n');
    expect(plan.images[0]?.files['.berth/Dockerfile']).not.toContain('PATH');
    expect(plan.details).toMatchObject({ install: 'npm install', packageManager: 'npm', packageManagerInstall: null });
  });

  it('builds a bun site on the bun image, and refuses it without one', () => {
    const app = new MemoryWorkspace({ 'package.json': '{}', 'bun.lockb': 'binary' });
    const error = planErrorOf(() => staticBuildpack(app, request({ buildCommand: 'bun run build' }), testSettings()));
    expect(error).toMatchObject({ code: 'invalid_repository', field: 'buildpacks.bun_image' });
    expect(error.message).toContain('this is a bun project (bun.lockb) and no bun image is configured: set [buildpacks] bun_image');
    const settings = testSettings();
    const plan = staticBuildpack(app, request({ buildCommand: 'bun run build' }), { ...settings, images: { ...settings.images, bun: 'oven/bun:1' } });
    const dockerfile = plan.images[0]?.files['.berth/Dockerfile'] ?? '';
    expect(dockerfile).toMatch(/^FROM oven\/bun:1 AS build\n/);
    expect(dockerfile).toContain('RUN ["sh","-c","bun install --frozen-lockfile"]');
    expect(dockerfile).not.toMatch(/npm/);
  });

  it('skips the install without a package.json, and uses the given install command and output dir', () => {
    const site = new MemoryWorkspace({ 'build.sh': 'mkdir -p out && cp *.html out/' });
    const plain = staticBuildpack(site, request({ buildCommand: 'sh build.sh', outputDir: './out/', spa: false }), testSettings());
    const dockerfile = plain.images[0]?.files['.berth/Dockerfile'] ?? '';
    expect(dockerfile).not.toContain('install');
    expect(dockerfile).toContain('RUN ["sh","-c","sh build.sh"]\n\nFROM nginx:alpine');
    expect(dockerfile).toContain('COPY --from=build /app/out/ /usr/share/nginx/html/');
    expect(plain.summary[1]).toBe('install: (none)');
    expect(plain.images[0]?.files['.berth/nginx.conf']).toBe(renderNginxConf({ spa: false }));

    const custom = staticBuildpack(viteApp, request({ buildCommand: 'npm run build', installCommand: 'npm ci --omit=optional' }), testSettings());
    expect(custom.images[0]?.files['.berth/Dockerfile']).toContain('RUN ["sh","-c","npm ci --omit=optional"]');
  });

  it('refuses commands and output dirs that would break out of the Dockerfile', () => {
    const settings = testSettings();
    expect(() => staticBuildpack(viteApp, request({ buildCommand: 'npm run build\nRUN rm -rf /' }), settings)).toThrow(
      expect.objectContaining({ field: 'static.buildCommand' }),
    );
    expect(() => staticBuildpack(viteApp, request({ buildCommand: 'x', outputDir: '../etc' }), settings)).toThrow(expect.objectContaining({ field: 'static.outputDir' }));
    expect(() => staticBuildpack(viteApp, request({ buildCommand: 'x', outputDir: 'my dist' }), settings)).toThrow(
      expect.objectContaining({ field: 'static.outputDir' }),
    );
  });
});

describe('staticBuildpack without a build command', () => {
  it('serves public/ when it holds an index.html', () => {
    const site = new MemoryWorkspace({ 'public/index.html': '<h1>hi</h1>', 'README.md': '' });
    const plan = staticBuildpack(site, request({}), testSettings());
    expect(plan.images[0]?.files['.berth/Dockerfile']).toBe(
      [
        'FROM nginx:alpine',
        'COPY .berth/nginx.conf /etc/nginx/conf.d/default.conf',
        'COPY .berth/nginx-start.sh /etc/nginx/berth-start.sh',
        'COPY public/ /usr/share/nginx/html/',
        'ENTRYPOINT ["sh","/etc/nginx/berth-start.sh"]',
        '',
      ].join('\n'),
    );
    expect(plan.summary).toEqual(['static: serve public/ with nginx:alpine (no build command)', 'spa fallback: on (unknown paths serve /index.html)']);
    expect(plan.details).toEqual({ mode: 'serve', serverImage: 'nginx:alpine', outputDir: 'public/', spa: true });
  });

  it('serves the repository root otherwise, and says what it ignored', () => {
    const site = new MemoryWorkspace({ 'index.html': '<h1>hi</h1>', 'public/logo.png': 'png' });
    const plan = staticBuildpack(site, request({ installCommand: 'npm ci' }, { A: '1' }), testSettings());
    expect(plan.images[0]?.files['.berth/Dockerfile']).toContain('COPY . /usr/share/nginx/html/\n');
    expect(plan.summary).toContain('ignored without a build command: static.installCommand, env');
  });

  it('refuses an output dir that does not exist', () => {
    const site = new MemoryWorkspace({ 'index.html': '' });
    expect(() => staticBuildpack(site, request({ outputDir: 'site' }), testSettings())).toThrow(
      expect.objectContaining({ code: 'invalid_repository', field: 'static.outputDir' }),
    );
  });
});
