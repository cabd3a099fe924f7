import type { Workspace } from '../plan';

/**
 * The `web:` process of a Procfile (Heroku's format: `name: command` per line), which Nixpacks
 * uses as the start command for every language.
 */
export function readProcfileWeb(workspace: Workspace): string | undefined {
  const text = workspace.readFile('Procfile');
  if (text === undefined) return undefined;
  for (const line of text.split(/\r?\n/)) {
    const match = /^web\s*:\s*(.*\S)\s*$/.exec(line);
    if (match) return match[1];
  }
  return undefined;
}
