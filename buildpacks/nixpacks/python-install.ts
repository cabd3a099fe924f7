import type { Workspace } from '../plan';
import { PlanError } from '../plan';

/** Where the dependencies go, as in Nixpacks: a virtualenv the image keeps and puts first on PATH. */
export const VENV = '/opt/venv';
/** Picks the tool instead of the lockfiles, as in Nixpacks. */
export const PACKAGE_MANAGER_VARIABLE = 'NIXPACKS_PYTHON_PACKAGE_MANAGER';

/** Nixpacks' defaults for the tools it installs with pip; NIXPACKS_<TOOL>_VERSION or .tool-versions choose another. */
const TOOL_VERSIONS = { poetry: '1.3.1', pdm: '2.13.3', uv: '0.4.30' } as const;
type VersionedTool = keyof typeof TOOL_VERSIONS;

export type PythonTool = 'requirements' | 'setuptools' | 'setup.py' | 'poetry' | 'pdm' | 'uv' | 'pipenv';
const CHOSEN: Record<string, PythonTool | 'auto' | 'skip'> = {
  auto: 'auto',
  requirements: 'requirements',
  setuptools: 'setuptools',
  poetry: 'poetry',
  pdm: 'pdm',
  uv: 'uv',
  pipenv: 'pipenv',
  skip: 'skip',
};

export interface PythonInstall {
  tool?: PythonTool;
  /** The install phase: one command, the venv created and activated first. */
  commands: string[];
  /** What the tool is installed from PyPI as, when the image does not have it (`poetry==1.3.1`). */
  fromPyPI?: string;
  variables: Record<string, string>;
}

/**
 * The install phase Nixpacks writes for the tool the repository uses: requirements.txt, then
 * pyproject.toml with poetry.lock, pdm.lock, uv.lock or none (setuptools), then a Pipfile.
 * NIXPACKS_PYTHON_PACKAGE_MANAGER chooses instead (`skip`: no install). Where Berth differs:
 * `python3` creates the venv (Debian's Python has no `python` until the venv provides it); the
 * tool's version is written into the command rather than read from a variable at build time;
 * pipenv, which Nixpacks takes from Nix, is installed with pip; an unknown
 * NIXPACKS_PYTHON_PACKAGE_MANAGER is refused (Nixpacks warns and detects); setup.py alone is
 * installed with `pip install .` (Nixpacks detects no Python there).
 */
export function pythonInstall(workspace: Workspace, variables: Record<string, string>): PythonInstall {
  const tool = chooseTool(workspace, variables[PACKAGE_MANAGER_VARIABLE]);
  if (tool === undefined) return { commands: [], variables: {} };
  const version = TOOL_VERSIONS[tool as VersionedTool] === undefined ? undefined : toolVersion(workspace, variables, tool as VersionedTool);
  const fromPyPI = tool === 'pipenv' ? 'pipenv' : version !== undefined ? `${tool}==${version}` : undefined;
  const steps = [`python3 -m venv --copies ${VENV}`, `. ${VENV}/bin/activate`, ...(fromPyPI ? [`pip install ${fromPyPI}`] : []), ...toolCommands(workspace, tool)];
  return {
    tool,
    commands: [steps.join(' && ')],
    ...(fromPyPI !== undefined ? { fromPyPI } : {}),
    // uv syncs into the project's environment: point it at the venv, as Nixpacks does.
    variables: tool === 'uv' ? { UV_PROJECT_ENVIRONMENT: VENV } : {},
  };
}

function toolCommands(workspace: Workspace, tool: PythonTool): string[] {
  switch (tool) {
    case 'requirements':
      return ['pip install -r requirements.txt'];
    case 'setuptools':
      return ['pip install --upgrade build setuptools', 'pip install .'];
    case 'setup.py':
      return ['pip install .'];
    case 'poetry':
      return ['poetry install --no-dev --no-interaction --no-ansi'];
    case 'pdm':
      return ['pdm install --prod'];
    case 'uv':
      return ['uv sync --no-dev --frozen'];
    case 'pipenv':
      return [`PIPENV_VENV_IN_PROJECT=1 pipenv install ${workspace.readFile('Pipfile.lock') !== undefined ? '--deploy' : '--skip-lock'}`];
  }
}

function chooseTool(workspace: Workspace, asked: string | undefined): PythonTool | undefined {
  const chosen = asked === undefined || asked.trim() === '' ? 'auto' : CHOSEN[asked.trim().toLowerCase()];
  if (chosen === undefined) {
    const known = Object.keys(CHOSEN).join(', ');
    throw new PlanError(`${PACKAGE_MANAGER_VARIABLE}: "${asked}" is not one of ${known}`, 'invalid_repository', PACKAGE_MANAGER_VARIABLE);
  }
  if (chosen === 'skip') return undefined;
  if (chosen !== 'auto') return chosen;
  const has = (file: string): boolean => workspace.readFile(file) !== undefined;
  if (has('requirements.txt')) return 'requirements';
  if (has('pyproject.toml')) return has('poetry.lock') ? 'poetry' : has('pdm.lock') ? 'pdm' : has('uv.lock') ? 'uv' : 'setuptools';
  if (has('Pipfile')) return 'pipenv';
  return has('setup.py') ? 'setup.py' : undefined;
}

/** NIXPACKS_<TOOL>_VERSION, else the tool's line in .tool-versions (asdf), else Nixpacks' default. */
function toolVersion(workspace: Workspace, variables: Record<string, string>, tool: VersionedTool): string {
  const variable = `NIXPACKS_${tool.toUpperCase()}_VERSION`;
  const fromVariable = variables[variable]?.trim();
  const fromAsdf = /^\s*(\S+)\s+(\S+)/gm;
  let asdf: string | undefined;
  for (const match of (workspace.readFile('.tool-versions') ?? '').matchAll(fromAsdf)) {
    if (match[1] === tool) asdf = match[2];
  }
  const version = fromVariable !== undefined && fromVariable !== '' ? fromVariable : (asdf ?? TOOL_VERSIONS[tool]);
  if (!/^[0-9][A-Za-z0-9.+-]*$/.test(version)) {
    const field = fromVariable ? variable : '.tool-versions';
    throw new PlanError(`${field}: "${version}" is not a ${tool} version such as ${TOOL_VERSIONS[tool]}`, 'invalid_repository', field);
  }
  return version;
}

/** NIXPACKS_* variables this file reads, so the plan does not list them as ignored. */
export const PYTHON_INSTALL_VARIABLES = [PACKAGE_MANAGER_VARIABLE, 'NIXPACKS_POETRY_VERSION', 'NIXPACKS_PDM_VERSION', 'NIXPACKS_UV_VERSION'];
