import { MemoryWorkspace } from '../testing/memory-workspace';
import { planErrorOf } from '../testing/plan-error';
import { pythonInstall } from './python-install';

const VENV = 'python3 -m venv --copies /opt/venv && . /opt/venv/bin/activate';

function install(files: Record<string, string>, variables: Record<string, string> = {}) {
  return pythonInstall(new MemoryWorkspace(files), variables);
}

describe('pythonInstall: the tool and its commands, as Nixpacks picks them', () => {
  it('installs requirements.txt with pip into the venv, before any other marker', () => {
    expect(install({ 'requirements.txt': '', 'pyproject.toml': '', 'poetry.lock': '', Pipfile: '' })).toEqual({
      tool: 'requirements',
      commands: [`${VENV} && pip install -r requirements.txt`],
      variables: {},
    });
  });

  it('installs a pyproject.toml without a lockfile with setuptools, fetched from PyPI as Nixpacks does', () => {
    expect(install({ 'pyproject.toml': '' }).commands).toEqual([`${VENV} && pip install --upgrade build setuptools && pip install .`]);
  });

  it('installs poetry, pdm or uv at the version Nixpacks pins, and names what comes from PyPI', () => {
    expect(install({ 'pyproject.toml': '', 'poetry.lock': '' })).toEqual({
      tool: 'poetry',
      commands: [`${VENV} && pip install poetry==1.3.1 && poetry install --no-dev --no-interaction --no-ansi`],
      fromPyPI: 'poetry==1.3.1',
      variables: {},
    });
    expect(install({ 'pyproject.toml': '', 'pdm.lock': '' })).toMatchObject({
      tool: 'pdm',
      commands: [`${VENV} && pip install pdm==2.13.3 && pdm install --prod`],
      fromPyPI: 'pdm==2.13.3',
    });
    // uv syncs into the venv only when told it is the project's environment.
    expect(install({ 'pyproject.toml': '', 'uv.lock': '' })).toEqual({
      tool: 'uv',
      commands: [`${VENV} && pip install uv==0.4.30 && uv sync --no-dev --frozen`],
      fromPyPI: 'uv==0.4.30',
      variables: { UV_PROJECT_ENVIRONMENT: '/opt/venv' },
    });
  });

  it('takes the tool version from NIXPACKS_<TOOL>_VERSION, then .tool-versions', () => {
    const poetry = { 'pyproject.toml': '', 'poetry.lock': '', '.tool-versions': 'python 3.11.4\npoetry 1.8.2\n' };
    expect(install(poetry).fromPyPI).toBe('poetry==1.8.2');
    expect(install(poetry, { NIXPACKS_POETRY_VERSION: '1.7.0' }).fromPyPI).toBe('poetry==1.7.0');
    expect(install({ 'pyproject.toml': '', 'uv.lock': '', '.tool-versions': 'uv 0.5.1' }).fromPyPI).toBe('uv==0.5.1');
  });

  it('refuses a tool version that is not a version, naming where it came from', () => {
    const error = planErrorOf(() => install({ 'pyproject.toml': '', 'poetry.lock': '' }, { NIXPACKS_POETRY_VERSION: '1.0; rm -rf /' }));
    expect(error).toMatchObject({ code: 'invalid_repository', field: 'NIXPACKS_POETRY_VERSION' });
    expect(planErrorOf(() => install({ 'pyproject.toml': '', 'uv.lock': '', '.tool-versions': 'uv $(id)' })).field).toBe('.tool-versions');
  });

  it('installs a Pipfile with pipenv, --deploy with a Pipfile.lock and --skip-lock without', () => {
    expect(install({ Pipfile: '', 'Pipfile.lock': '{}' })).toEqual({
      tool: 'pipenv',
      commands: [`${VENV} && pip install pipenv && PIPENV_VENV_IN_PROJECT=1 pipenv install --deploy`],
      fromPyPI: 'pipenv',
      variables: {},
    });
    expect(install({ Pipfile: '' }).commands).toEqual([`${VENV} && pip install pipenv && PIPENV_VENV_IN_PROJECT=1 pipenv install --skip-lock`]);
  });

  it('installs setup.py with pip, and nothing for main.py alone', () => {
    expect(install({ 'setup.py': '' }).commands).toEqual([`${VENV} && pip install .`]);
    expect(install({ 'main.py': '' })).toEqual({ commands: [], variables: {} });
  });

  it('lets NIXPACKS_PYTHON_PACKAGE_MANAGER choose the tool or skip the install, and refuses an unknown one', () => {
    expect(install({ 'requirements.txt': '' }, { NIXPACKS_PYTHON_PACKAGE_MANAGER: 'Poetry' }).tool).toBe('poetry');
    expect(install({ 'requirements.txt': '' }, { NIXPACKS_PYTHON_PACKAGE_MANAGER: 'skip' })).toEqual({ commands: [], variables: {} });
    expect(install({ 'requirements.txt': '' }, { NIXPACKS_PYTHON_PACKAGE_MANAGER: 'auto' }).tool).toBe('requirements');
    const error = planErrorOf(() => install({ 'requirements.txt': '' }, { NIXPACKS_PYTHON_PACKAGE_MANAGER: 'conda' }));
    expect(error).toMatchObject({ field: 'NIXPACKS_PYTHON_PACKAGE_MANAGER', message: expect.stringContaining('"conda" is not one of auto, requirements') });
  });
});
