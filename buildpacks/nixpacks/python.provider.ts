import type { Workspace } from '../plan';
import type { Provider } from './provider';

const MARKERS = ['requirements.txt', 'pyproject.toml', 'setup.py', 'main.py'];

/**
 * Python (requirements.txt, pyproject.toml, setup.py or main.py, as Nixpacks detects it).
 * Dependencies install into the image's own Python: the container is the isolation, so no
 * virtualenv. pip installs under /usr/local (the official images' Python, and Debian's pip),
 * which the image keeps from the build stage. The start command is `python main.py` or
 * `python app.py` when no Procfile names one.
 */
export const pythonProvider: Provider = {
  name: 'python',
  looksFor: 'requirements.txt, pyproject.toml, setup.py or main.py (python)',
  detect: (workspace) => MARKERS.some((file) => workspace.exists(file)),
  plan(workspace, settings) {
    const start = ['main.py', 'app.py'].find((file) => workspace.exists(file));
    return {
      image: settings.images.python,
      install: installCommands(workspace),
      build: [],
      ...(start !== undefined ? { start: `python ${start}` } : {}),
      runtimePaths: ['/usr/local'],
      facts: {},
    };
  },
};

function installCommands(workspace: Workspace): string[] {
  if (workspace.exists('requirements.txt')) return ['pip install -r requirements.txt'];
  if (workspace.exists('pyproject.toml') || workspace.exists('setup.py')) return ['pip install .'];
  return [];
}
