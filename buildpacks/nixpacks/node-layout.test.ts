import type { PlanRequest } from '../plan';
import { renderNginxConf } from '../static/nginx.conf';
import { NGINX_START_PATH } from '../static/nginx-start.script';
import { planErrorOf } from '../testing/plan-error';
import { planNixpacks } from '../testing/nixpacks-plan';

const plan = (files: Record<string, string>, nixpacks?: PlanRequest['nixpacks'], env: Record<string, string> = {}) => planNixpacks(files, { nixpacks, env });

const json = (value: object): string => JSON.stringify(value);
const viteApp = {
  'package.json': json({ name: 'spa', scripts: { dev: 'vite', build: 'vite build --outDir build', preview: 'vite preview' }, devDependencies: { vite: '6.4.1' } }),
  'package-lock.json': '{"lockfileVersion":3}',
  'index.html': '<div id="app"></div>',
};

describe('nixpacks: a front-end app is built, then served by the static server', () => {
  it('builds on the node image and serves the folder the build script writes, with the SPA fallback', () => {
    const result = plan(viteApp, undefined, { VITE_API: 'https://api' });
    const image = result.images[0];
    expect(image?.files['.berth/Dockerfile']).toBe(
      [
        'FROM node:20-alpine AS build',
        'WORKDIR /app',
        'ARG VITE_API',
        'ENV CI="true"',
        'ENV NODE_ENV="production"',
        'ENV NPM_CONFIG_PRODUCTION="false"',
        'COPY . .',
        'RUN ["sh","-c","npm ci"]',
        'RUN ["sh","-c","npm run build"]',
        '',
        'FROM nginx:alpine',
        'COPY .berth/nginx.conf /etc/nginx/conf.d/default.conf',
        `COPY .berth/nginx-start.sh ${NGINX_START_PATH}`,
        'COPY --from=build /app/build/ /usr/share/nginx/html/',
        `ENTRYPOINT ["sh","${NGINX_START_PATH}"]`,
        '',
      ].join('\n'),
    );
    expect(image?.files['.berth/nginx.conf']).toBe(renderNginxConf({ spa: true }));
    expect(image?.buildArgs).toEqual({ VITE_API: 'https://api' });
    expect(result.summary).toEqual([
      'nixpacks: detected node (npm)',
      'image: node:20-alpine',
      'node: 20 on node:20-alpine (node_image), no version asked',
      "package manager: npm (package-lock.json), the image's",
      'front-end: vite app, serves build/ (build script --outDir) with the static server, spa fallback on',
      'install: npm ci',
      'build: npm run build',
      'start: nginx:alpine serves build/ on $PORT (no start command runs)',
      'variables: CI=true (default), NODE_ENV=production (default), NPM_CONFIG_PRODUCTION=false (default)',
      'build env: VITE_API (build only, not kept in the image)',
    ]);
    expect(result.details).toMatchObject({
      start: null,
      serverImage: 'nginx:alpine',
      site: { framework: 'vite', outputDir: 'build/', outputSource: 'build script --outDir', spa: true },
    });
  });

  it('serves a static Astro site without the SPA fallback', () => {
    const astro = { 'package.json': json({ dependencies: { astro: '^4' }, scripts: { build: 'astro build' } }) };
    const image = plan(astro).images[0];
    expect(image?.files['.berth/nginx.conf']).toBe(renderNginxConf({ spa: false }));
    expect(image?.files['.berth/Dockerfile']).toContain('COPY --from=build /app/dist/ /usr/share/nginx/html/');
  });

  it('runs the start command the user sets instead, as an app', () => {
    const result = plan(viteApp, { startCommand: 'npx serve build' });
    expect(result.details).toMatchObject({ start: 'npx serve build' });
    expect(result.images[0]?.files['.berth/Dockerfile']).toContain('CMD ["sh","-c","exec npx serve build"]');
  });

  it('refuses a front-end app whose build command was emptied, since nothing would be served', () => {
    const error = planErrorOf(() => plan(viteApp, { buildCommand: '' }));
    expect(error).toMatchObject({ code: 'invalid_repository', field: 'nixpacks.buildCommand' });
    expect(error.message).toMatch(/this vite app is served from the folder its build writes, but there is no build command/);
  });
});

describe('nixpacks: monorepos', () => {
  const turborepo = {
    'package.json': json({ workspaces: ['apps/*'], devDependencies: { turbo: '2.5.8' } }),
    'package-lock.json': '{"lockfileVersion":3}',
    'turbo.json': json({ tasks: { build: { outputs: ['dist/**'] }, start: {} } }),
    'apps/api/package.json': json({ name: 'api', scripts: { build: 'tsc', start: 'node server.js' } }),
    'apps/api/server.js': '',
    'apps/web/package.json': json({ name: 'web', scripts: { build: 'vite build', start: 'vite preview' }, devDependencies: { vite: '6' } }),
  };

  it('installs at the root, builds with turbo and serves the chosen front-end app from its folder', () => {
    const result = plan(turborepo, { variables: { NIXPACKS_TURBO_APP_NAME: 'web' } });
    const dockerfile = result.images[0]?.files['.berth/Dockerfile'] ?? '';
    expect(dockerfile).toContain('RUN ["sh","-c","npm ci"]\nRUN ["sh","-c","npx turbo run build"]');
    expect(dockerfile).toContain('COPY --from=build /app/apps/web/dist/ /usr/share/nginx/html/');
    expect(result.summary).toContain('monorepo: turborepo, app web (apps/web/), installed at the root');
    expect(result.details).toMatchObject({ monorepo: { tool: 'turborepo', app: 'web', dir: 'apps/web/' }, site: { outputDir: 'apps/web/dist/' } });
    // Read by the planner: not listed as ignored, nor set in the image.
    expect(result.details).toMatchObject({ ignored: [], variables: { CI: 'true', NODE_ENV: 'production', NPM_CONFIG_PRODUCTION: 'false' } });
  });

  it('starts a chosen server app in its folder', () => {
    const result = plan(turborepo, { variables: { NIXPACKS_TURBO_APP_NAME: 'api' } });
    expect(result.details).toMatchObject({ start: 'npm --prefix apps/api start', warnings: [] });
    // The app's start script runs directly in its folder (start-command.ts), not under npm.
    expect(result.images[0]?.files['.berth/Dockerfile']).toContain(
      'CMD ["sh","-c","cd apps/api && PATH=/app/apps/api/node_modules/.bin:/app/node_modules/.bin:$PATH; exec node server.js"]',
    );
  });

  it('refuses at plan time when no app can be chosen, naming the variable; a start command the user sets still wins', () => {
    const error = planErrorOf(() => plan(turborepo));
    expect(error).toMatchObject({ code: 'invalid_repository', field: 'NIXPACKS_TURBO_APP_NAME' });
    expect(error.message).toBe("nixpacks: turbo's start task would start 2 apps in one container: set NIXPACKS_TURBO_APP_NAME to the app to run (api, web)");
    expect(plan(turborepo, { startCommand: 'npm --prefix apps/api start' }).details).toMatchObject({ start: 'npm --prefix apps/api start' });
  });

  it('serves the output path of an nx web app', () => {
    const nx = {
      'package.json': json({ name: 'nx-repo' }),
      'nx.json': '{}',
      'apps/shop/project.json': json({ targets: { build: { executor: '@nx/vite:build', options: { outputPath: 'dist/apps/shop' } } } }),
    };
    const result = plan(nx, { variables: { NIXPACKS_NX_APP_NAME: 'shop' } });
    expect(result.images[0]?.files['.berth/Dockerfile']).toContain('RUN ["sh","-c","npx nx run shop:build:production"]');
    expect(result.images[0]?.files['.berth/Dockerfile']).toContain('COPY --from=build /app/dist/apps/shop/ /usr/share/nginx/html/');
    expect(result.details).toMatchObject({ site: { framework: 'nx', outputSource: 'project.json outputPath' } });
  });
});
