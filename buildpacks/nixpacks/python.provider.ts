import * as TOML from '@iarna/toml';
import { shellWord } from '../dockerfile-text';
import type { Workspace } from '../plan';
import { PlanError } from '../plan';
import type { Provider } from './provider';
import { pythonInstall, VENV } from './python-install';

const MARKERS = ['requirements.txt', 'pyproject.toml', 'Pipfile', 'setup.py', 'main.py'];
/** Files Nixpacks searches for a dependency's name. */
const DEPENDENCY_FILES = ['requirements.txt', 'pyproject.toml', 'Pipfile'];

/** Nixpacks' Python defaults: set while building and at run time, below what the user sets. */
const PYTHON_VARIABLES = {
  PYTHONFAULTHANDLER: '1',
  PYTHONUNBUFFERED: '1',
  PYTHONHASHSEED: 'random',
  PYTHONDONTWRITEBYTECODE: '1',
  PIP_NO_CACHE_DIR: '1',
  PIP_DISABLE_PIP_VERSION_CHECK: '1',
  PIP_DEFAULT_TIMEOUT: '100',
};

/**
 * Python (requirements.txt, pyproject.toml, Pipfile, setup.py or main.py), as Nixpacks builds it:
 * dependencies go into a virtualenv at /opt/venv (python-install.ts), which the image keeps and
 * puts first on PATH, so `python`, `pip` and the installed tools are the venv's at run time. The
 * start command is Nixpacks': Django (manage.py and a django dependency) migrates then runs
 * gunicorn on its WSGI application; else `python main.py`; else (Berth's addition, kept from its
 * earlier releases) `python app.py`; else `python -m <module>` of pyproject.toml's [project].
 */
export const pythonProvider: Provider = {
  name: 'python',
  looksFor: 'requirements.txt, pyproject.toml, Pipfile, setup.py or main.py (python)',
  detect: (workspace) => MARKERS.some((file) => workspace.readFile(file) !== undefined),
  plan(workspace, settings, variables) {
    const install = pythonInstall(workspace, variables);
    const start = startCommand(workspace);
    const venv = install.tool !== undefined;
    const tool = facts(install.tool).packageManager ?? 'pip';
    const summary = install.tool === undefined ? [] : [`python: dependencies with ${tool} into the virtualenv ${VENV}`];
    if (install.fromPyPI !== undefined) {
      summary.push(`python: WARNING the build installs ${install.fromPyPI} from PyPI: it fails where PyPI cannot be reached`);
    }
    return {
      image: settings.images.python,
      install: install.commands,
      build: [],
      ...(start !== undefined ? { start } : {}),
      // /usr/local too: a `pip install` outside the venv (an install command of the user's) lands there.
      runtimePaths: venv ? ['/usr/local', VENV] : ['/usr/local'],
      ...(venv ? { venv: VENV } : {}),
      variables: { ...PYTHON_VARIABLES, ...install.variables },
      facts: facts(install.tool),
      summary,
      details: { python: { packageManager: install.tool ?? null, venv: venv ? VENV : null, fromPyPI: install.fromPyPI ?? null } },
    };
  },
};

/** The package manager, when it is a tool of its own (pip needs no mention). */
function facts(tool: string | undefined): Record<string, string> {
  return tool !== undefined && !['requirements', 'setuptools', 'setup.py'].includes(tool) ? { packageManager: tool } : {};
}

function startCommand(workspace: Workspace): string | undefined {
  if (workspace.readFile('manage.py') !== undefined && usesDependency(workspace, 'django')) {
    return `python manage.py migrate && gunicorn ${shellWord(djangoApplication(workspace))}`;
  }
  const file = ['main.py', 'app.py'].find((name) => workspace.readFile(name) !== undefined);
  if (file !== undefined) return `python ${file}`;
  const module = pyprojectModule(workspace);
  return module === undefined ? undefined : `python -m ${shellWord(module)}`;
}

/** As Nixpacks: the name appears (any case) in a dependency file. */
function usesDependency(workspace: Workspace, name: string): boolean {
  return DEPENDENCY_FILES.some((file) => (workspace.readFile(file) ?? '').toLowerCase().includes(name));
}

/** Folder depth and file count searched for settings.py: bounded, a repository may be huge. */
const SEARCH_DEPTH = 3;
const SEARCH_FILES = 500;

/** `mysite.wsgi` from `WSGI_APPLICATION = 'mysite.wsgi.application'` in a .py file. */
function djangoApplication(workspace: Workspace): string {
  const pending = [''];
  let read = 0;
  for (let depth = 0; depth <= SEARCH_DEPTH && pending.length > 0; depth += 1) {
    for (const dir of pending.splice(0)) {
      for (const name of workspace.list(dir)) {
        const path = dir === '' ? name : `${dir}/${name}`;
        if (name.startsWith('.') || name === 'node_modules' || read >= SEARCH_FILES) continue;
        if (!name.endsWith('.py')) {
          if (workspace.readFile(path) === undefined) pending.push(path);
          continue;
        }
        read += 1;
        const match = /WSGI_APPLICATION\s*=\s*["']([A-Za-z0-9_.]+)\.application["']/.exec(workspace.readFile(path) ?? '');
        if (match?.[1] !== undefined) return match[1];
      }
    }
  }
  throw new PlanError(
    'nixpacks: a Django app (manage.py, django in the dependencies) needs WSGI_APPLICATION in its settings to be started with gunicorn: ' +
      'add it, or set nixpacks.startCommand',
    'invalid_repository',
    'nixpacks.startCommand',
  );
}

/** pyproject.toml's [project]: the first of `packages`, then `py_modules`, then `name`, as Nixpacks reads them. */
function pyprojectModule(workspace: Workspace): string | undefined {
  const text = workspace.readFile('pyproject.toml');
  if (text === undefined) return undefined;
  let project: unknown;
  try {
    project = (TOML.parse(text) as { project?: unknown }).project;
  } catch {
    return undefined;
  }
  if (project === null || typeof project !== 'object') return undefined;
  const { packages, py_modules: modules, name } = project as Record<string, unknown>;
  const candidates = [Array.isArray(packages) ? packages[0] : undefined, Array.isArray(modules) ? modules[0] : undefined, name];
  const module = candidates.find((value): value is string => typeof value === 'string' && value.trim() !== '');
  return module !== undefined && /^[A-Za-z0-9_.-]+$/.test(module) ? module : undefined;
}
