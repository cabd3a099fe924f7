import type { PlanRequest } from '../plan';
import { planErrorOf } from '../testing/plan-error';
import { generatedDockerfile, nixpacksRequest, planNixpacks } from '../testing/nixpacks-plan';

const request = nixpacksRequest;

function plan(files: Record<string, string>, req: PlanRequest = request()) {
  return planNixpacks(files, { nixpacks: req.nixpacks, env: req.env });
}

function dockerfileOf(files: Record<string, string>, req: PlanRequest = request()): string {
  return generatedDockerfile(plan(files, req));
}

function lines(dockerfile: string, kind: string): string[] {
  return dockerfile.split('\n').filter((line) => line.startsWith(`${kind} `));
}

function cmdOf(files: Record<string, string>, req?: PlanRequest): string {
  const cmd = lines(dockerfileOf(files, req), 'CMD')[0] ?? '';
  return (JSON.parse(cmd.replace(/^CMD /, '')) as string[])[2] ?? '';
}

const nodeApp = { 'package.json': '{"scripts":{"start":"node server.js"}}', 'server.js': '' };

describe('nixpacks detection: Staticfile', () => {
  it("serves the Staticfile's root folder, detected on the Staticfile alone", () => {
    const result = plan({ Staticfile: 'root: site\ngzip: off\n', 'site/index.html': '<h1>hi</h1>' });
    expect(result.details).toMatchObject({ language: 'staticfile', providers: ['staticfile'] });
    expect(result.summary).toContain('serve: site/ with nginx, spa fallback off');
    expect(result.summary).toContain('Staticfile: ignored gzip (Berth serves with its own nginx settings)');
    expect(lines(result.images[0]?.files['.berth/Dockerfile'] ?? '', 'COPY')).toContain('COPY site/ /usr/share/nginx/html/');
  });

  it('reads a quoted root and NIXPACKS_STATICFILE_ROOT before it, without listing the variable as ignored', () => {
    expect(plan({ Staticfile: 'root: "site/"', 'site/index.html': '' }).summary).toContain('serve: site/ with nginx, spa fallback off');
    const result = plan({ Staticfile: 'root: site', 'site/a.html': '', 'www/index.html': '' }, request({ variables: { NIXPACKS_STATICFILE_ROOT: 'www' } }));
    expect(result.summary).toContain('serve: www/ with nginx, spa fallback off');
    expect(result.details.ignored).toEqual([]);
  });

  it('refuses a root that is missing, a file, or outside the repository, naming the Staticfile', () => {
    for (const [root, files] of [
      ['site', {}],
      ['site', { site: 'a file' }],
      ['../etc', {}],
      ['/etc', {}],
    ] as const) {
      const error = planErrorOf(() => plan({ Staticfile: `root: ${root}\n`, 'index.html': '', ...files }));
      expect(error).toMatchObject({ code: 'invalid_repository', field: 'Staticfile' });
    }
    expect(planErrorOf(() => plan({ Staticfile: 'root: site' })).message).toBe(
      'Staticfile: root "site" is not a folder with files in the repository: add it, or change root',
    );
    const viaVariable = planErrorOf(() => plan({ 'index.html': '' }, request({ variables: { NIXPACKS_STATICFILE_ROOT: 'nope' } })));
    expect(viaVariable.field).toBe('NIXPACKS_STATICFILE_ROOT');
  });

  it('detects a public, dist or index folder as Nixpacks does, serving it; an index.html at the root keeps the root', () => {
    expect(plan({ 'public/index.html': '' }).summary).toContain('serve: public/ with nginx, spa fallback off');
    expect(plan({ 'dist/index.html': '', 'index/x.html': '' }).summary).toContain('serve: dist/ with nginx, spa fallback off');
    expect(plan({ 'index.html': '', 'public/logo.png': '' }).summary).toContain('serve: ./ with nginx, spa fallback off');
  });

  it('lists a Procfile release command as ignored for a static site', () => {
    expect(plan({ 'index.html': '', Procfile: 'release: ./migrate' }).summary).toContain('ignored: release (Procfile)');
  });
});

describe('nixpacks detection: Go without go.mod', () => {
  it('builds main.go alone with the standard library, CGO off as Nixpacks sets it', () => {
    const result = plan({ 'main.go': 'package main' });
    expect(result.summary.slice(0, 1)).toEqual(['nixpacks: detected go (no go.mod)']);
    expect(result.details).toMatchObject({ language: 'go', phases: { install: [], build: ['go build -o /app/out main.go'] }, start: '/app/out' });
    expect(result.details.variables).toEqual({ CGO_ENABLED: '0' });
  });

  it('builds the first cmd/ package, or the one NIXPACKS_GO_BIN names, and refuses a name that is not a folder name', () => {
    const files = { 'go.mod': 'module x', 'cmd/web/main.go': '', 'cmd/api/main.go': '', 'internal/x.go': '' };
    expect(plan(files).details).toMatchObject({ phases: { build: ['go build -o /app/out ./cmd/api'] } });
    const chosen = plan(files, request({ variables: { NIXPACKS_GO_BIN: 'web' } }));
    expect(chosen.details).toMatchObject({ phases: { build: ['go build -o /app/out ./cmd/web'] }, ignored: [] });
    expect(planErrorOf(() => plan(files, request({ variables: { NIXPACKS_GO_BIN: '../x' } }))).field).toBe('NIXPACKS_GO_BIN');
  });

  it('builds the module root when .go files lie at the root, before cmd/', () => {
    const files = { 'go.mod': 'module x', 'main.go': '', 'cmd/tool/main.go': '' };
    expect(plan(files).details).toMatchObject({ phases: { build: ['go build -o /app/out .'] } });
  });
});

describe('nixpacks detection: Procfile release and process types', () => {
  it('runs the release command before the web process at start, the web process replacing the shell', () => {
    const files = { ...nodeApp, 'migrate.js': '', Procfile: 'release: node migrate.js\nweb: node server.js\n' };
    const result = plan(files);
    expect(cmdOf(files)).toBe("sh -c 'node migrate.js' && exec node server.js");
    expect(result.details).toMatchObject({ release: 'node migrate.js', start: 'node server.js', sources: { start: 'Procfile' } });
    expect(result.summary).toContain('release: node migrate.js (from Procfile, run before start at each container start)');
    expect(result.summary).toContain('start: node server.js (from Procfile)');
  });

  it('runs the release command before a start command from elsewhere too', () => {
    const files = { ...nodeApp, 'migrate.sh': '', Procfile: 'release: ./migrate.sh' };
    // The detected `npm start` runs the start script itself (start-command.ts), after the release.
    expect(cmdOf(files)).toBe("sh -c ./migrate.sh && exec sh -c 'PATH=/app/node_modules/.bin:$PATH; exec node server.js'");
    expect(cmdOf(files, request({ startCommand: 'node other.js' }))).toBe('sh -c ./migrate.sh && exec node other.js');
  });

  it('falls back to the worker process without a web one, and says so', () => {
    const files = { 'requirements.txt': '', 'worker.py': '', Procfile: 'worker: python worker.py\nclock: python clock.py' };
    const result = plan(files);
    expect(result.details).toMatchObject({ start: 'python worker.py', sources: { start: 'Procfile' } });
    expect(result.summary).toContain('start: python worker.py (from Procfile worker:)');
    expect(cmdOf(files)).toBe('exec python worker.py');
  });

  it("checks the Procfile command's target file: a script path, or sh/bash with a file", () => {
    const missing = planErrorOf(() => plan({ 'requirements.txt': '', Procfile: 'web: ./bin/serve --port $PORT' }));
    expect(missing).toMatchObject({ field: 'nixpacks.startCommand', message: expect.stringContaining('runs bin/serve, which is not in the repository') });
    expect(planErrorOf(() => plan({ 'requirements.txt': '', Procfile: 'web: bash start.sh' })).message).toContain('runs start.sh');
    expect(plan({ 'requirements.txt': '', 'bin/serve': '#!/bin/sh', Procfile: 'web: bin/serve' }).details.start).toBe('bin/serve');
    // A program found on PATH is not a file of the repository.
    expect(plan({ 'requirements.txt': '', Procfile: 'web: gunicorn app:app' }).details.start).toBe('gunicorn app:app');
    // A build phase may create it: a warning only.
    expect(plan({ 'go.mod': 'module x', 'main.go': '', Procfile: 'web: ./out' }).details.warnings).toEqual([
      'the start command "./out" runs out, which is not in the repository: the build must create it, or the app will not start',
    ]);
  });
});

describe('nixpacks detection: the release command runs a file of the repository', () => {
  it('refuses a release command whose file is missing, naming the Procfile, and only warns when a build may create it', () => {
    const error = planErrorOf(() => plan({ ...nodeApp, Procfile: 'release: node migrate.js\nweb: node server.js' }));
    expect(error).toMatchObject({ code: 'invalid_repository', field: 'Procfile' });
    expect(error.message).toBe(
      'nixpacks: the Procfile release command "node migrate.js" runs migrate.js, which is not in the repository: add migrate.js, or change the release line',
    );
    expect(plan({ ...nodeApp, 'migrate.js': '', Procfile: 'release: node migrate.js' }).details.warnings).toEqual([]);
    const built = { 'package.json': '{"scripts":{"build":"tsc","start":"node server.js"}}', 'server.js': '', Procfile: 'release: node dist/migrate.js' };
    expect(plan(built).details.warnings).toEqual([
      'the Procfile release command "node dist/migrate.js" runs dist/migrate.js, which is not in the repository: the build must create it, or the app will not start',
    ]);
  });
});

describe('nixpacks detection: providers in nixpacks.toml', () => {
  it('builds with the provider named there instead of the detected one', () => {
    const result = plan({ ...nodeApp, 'main.py': '', 'nixpacks.toml': 'providers = ["python"]' });
    expect(result.details).toMatchObject({ language: 'python', providers: ['node', 'python'], start: 'python main.py' });
    expect(result.summary[0]).toBe('nixpacks: python (from nixpacks.toml providers)');
  });

  it('takes "..." as the detected provider', () => {
    expect(plan({ ...nodeApp, 'nixpacks.toml': 'providers = ["...", "node"]' }).details).toMatchObject({ language: 'node' });
    expect(plan({ 'main.go': '', 'nixpacks.json': '{"providers":["..."]}' }).details).toMatchObject({ language: 'go' });
  });

  it('refuses an unknown provider, two languages at once, or an empty list, naming the providers key', () => {
    const unknown = planErrorOf(() => plan({ ...nodeApp, 'nixpacks.toml': 'providers = ["...", "rust"]' }));
    expect(unknown).toMatchObject({ code: 'invalid_repository', field: 'nixpacks.toml providers' });
    expect(unknown.message).toBe(
      'nixpacks.toml providers: "rust" is not a provider Berth builds with; it builds go, node, python, staticfile ("..." for the detected one)',
    );
    const both = planErrorOf(() => plan({ 'main.py': '', 'nixpacks.toml': 'providers = ["...", "node"]' }));
    expect(both).toMatchObject({ field: 'nixpacks.toml providers', message: expect.stringContaining('python and node together') });
    expect(planErrorOf(() => plan({ 'main.py': '', 'nixpacks.toml': 'providers = []' })).field).toBe('nixpacks.toml providers');
    expect(planErrorOf(() => plan({ 'main.py': '', 'nixpacks.toml': 'providers = "python"' })).field).toBe('nixpacks.toml');
  });
});

describe('nixpacks detection: Python in a venv', () => {
  it('keeps the venv in the image and puts it first on PATH, in both stages', () => {
    const dockerfile = dockerfileOf({ 'requirements.txt': '', 'main.py': '' });
    expect(lines(dockerfile, 'ENV').filter((line) => line.startsWith('ENV PATH'))).toEqual(['ENV PATH=/opt/venv/bin:$PATH', 'ENV PATH=/opt/venv/bin:$PATH']);
    expect(lines(dockerfile, 'COPY')).toContain('COPY --from=build /opt/venv /opt/venv');
    expect(plan({ 'requirements.txt': '', 'main.py': '' }).summary).toContain('python: dependencies with pip into the virtualenv /opt/venv');
  });

  it('keeps no venv when an install command of the user replaces the one that makes it', () => {
    const dockerfile = dockerfileOf({ 'requirements.txt': '', 'main.py': '' }, request({ installCommand: 'pip install -r requirements.txt' }));
    expect(dockerfile).not.toContain('/opt/venv');
    expect(lines(dockerfile, 'COPY')).toContain('COPY --from=build /usr/local /usr/local');
    const extended = dockerfileOf({ 'requirements.txt': '', 'main.py': '', 'nixpacks.toml': '[phases.install]\ncmds = ["...", "echo done"]' });
    expect(extended).toContain('COPY --from=build /opt/venv /opt/venv');
  });

  it('says in the summary which tool the build fetches from PyPI', () => {
    const result = plan({ 'pyproject.toml': '[tool.poetry]\nname = "x"', 'poetry.lock': '', 'main.py': '' });
    expect(result.summary.slice(0, 4)).toEqual([
      'nixpacks: detected python (poetry)',
      'image: python:3.11-slim',
      'python: dependencies with poetry into the virtualenv /opt/venv',
      'python: WARNING the build installs poetry==1.3.1 from PyPI: it fails where PyPI cannot be reached',
    ]);
    expect(result.details).toMatchObject({ packageManager: 'poetry', python: { packageManager: 'poetry', venv: '/opt/venv', fromPyPI: 'poetry==1.3.1' } });
  });

  it('sets Nixpacks’ Python defaults and, for uv, the project environment', () => {
    const result = plan({ 'pyproject.toml': '', 'uv.lock': '', 'main.py': '' });
    expect(result.details.variables).toMatchObject({ PYTHONUNBUFFERED: '1', PIP_DISABLE_PIP_VERSION_CHECK: '1', UV_PROJECT_ENVIRONMENT: '/opt/venv' });
  });

  it('detects a Pipfile and does not list the NIXPACKS_* variables it reads as ignored', () => {
    const result = plan({ Pipfile: '[packages]\n', 'main.py': '' }, request({ variables: { NIXPACKS_PYTHON_PACKAGE_MANAGER: 'pipenv' } }));
    expect(result.details).toMatchObject({ language: 'python', packageManager: 'pipenv', ignored: [] });
  });

  it('starts Django with its migrations and gunicorn on its WSGI application', () => {
    const files = { 'requirements.txt': 'Django==4.2\ngunicorn', 'manage.py': '', 'mysite/settings.py': "WSGI_APPLICATION = 'mysite.wsgi.application'\n" };
    expect(plan(files).details.start).toBe('python manage.py migrate && gunicorn mysite.wsgi');
    const error = planErrorOf(() => plan({ ...files, 'mysite/settings.py': '' }));
    expect(error).toMatchObject({ field: 'nixpacks.startCommand', message: expect.stringContaining('WSGI_APPLICATION') });
  });

  it("starts pyproject.toml's package as a module, after main.py and app.py", () => {
    const pyproject = '[project]\nname = "my_service"\npackages = ["service"]\n';
    expect(plan({ 'pyproject.toml': pyproject }).details.start).toBe('python -m service');
    expect(plan({ 'pyproject.toml': '[project]\nname = "tool"\n' }).details.start).toBe('python -m tool');
    expect(plan({ 'pyproject.toml': pyproject, 'main.py': '' }).details.start).toBe('python main.py');
  });
});
