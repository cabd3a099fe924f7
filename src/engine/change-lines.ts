import type { ImageConfigChanges } from './engine.port';

/**
 * The Dockerfile lines (`changes`) of an import or commit. Already checked: no control
 * characters, names and ports well formed. Values are written so that each engine keeps them as
 * given: Docker reads a Dockerfile word (quotes, backslashes, `$` expansion), so all three are
 * escaped inside double quotes; Podman strips one pair of surrounding double quotes and reads
 * nothing else.
 */
export function changeLines(changes: ImageConfigChanges, engine: 'docker' | 'podman'): string[] {
  const quote = engine === 'docker' ? (v: string) => `"${v.replace(/[\\"$]/g, '\\$&')}"` : (v: string) => `"${v}"`;
  const lines: string[] = [];
  if (changes.cmd !== undefined) lines.push(`CMD ${JSON.stringify(changes.cmd)}`);
  for (const [name, value] of Object.entries(changes.env ?? {})) lines.push(`ENV ${name}=${quote(value)}`);
  if (changes.workdir !== undefined) lines.push(`WORKDIR ${changes.workdir}`);
  for (const port of changes.expose ?? []) lines.push(`EXPOSE ${port}`);
  for (const [key, value] of Object.entries(changes.labels ?? {})) lines.push(`LABEL ${key}=${quote(value)}`);
  return lines;
}
