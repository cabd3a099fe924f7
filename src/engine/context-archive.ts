import { existsSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import dockerignore from '@balena/dockerignore';
import tar from 'tar-fs';

/** Name of the Dockerfile copy that carries the build's labels, added to the archive only. */
export const LABELLED_DOCKERFILE = '.berth-labelled.Dockerfile';

/**
 * The build context as a tar stream, honouring `.dockerignore` the way the docker CLI does
 * (the engine API itself ignores that file). The Dockerfile and `.dockerignore` are always sent,
 * as the CLI does, so the engine can read them even when ignored; so are `alwaysSend` paths.
 *
 * With `labels`, the archive also holds a copy of the Dockerfile ending in one LABEL line: Docker's
 * legacy builder turns the API's `labels` into one build step per label, which costs a container
 * each; a single LABEL instruction costs one.
 */
export function packContext(contextDir: string, dockerfile: string, labels?: Record<string, string>, alwaysSend: readonly string[] = []): Readable {
  const ignoreFile = join(contextDir, '.dockerignore');
  const rules = existsSync(ignoreFile) ? readFileSync(ignoreFile, 'utf8') : '';
  const matcher = dockerignore({ ignorecase: false }).add(rules);
  const keep = new Set([dockerfile, ...alwaysSend].map((p) => p.split(sep).join('/')).concat('.dockerignore'));
  const labelled = labels ? labelledDockerfile(readFileSync(join(contextDir, dockerfile), 'utf8'), labels) : undefined;
  const options: tar.PackOptions = {
    ignore: (name) => {
      const rel = relative(contextDir, name).split(sep).join('/');
      if (labelled !== undefined && (rel === LABELLED_DOCKERFILE || rel === '.dockerignore')) return true;
      // An ignored directory holding the Dockerfile is still walked; its other entries stay ignored.
      const holdsKept = [...keep].some((k) => k.startsWith(`${rel}/`));
      return rel !== '' && !keep.has(rel) && !holdsKept && matcher.ignores(rel);
    },
    // Ownership inside the image should not depend on the worker's users.
    map: (header) => ({ ...header, uid: 0, gid: 0, uname: 'root', gname: 'root' }),
    ...(labelled !== undefined
      ? {
          finalize: false,
          finish: (pack) => {
            // Listing the copy in .dockerignore makes the engine drop it from the context once read,
            // as it does for the CLI's `-f -`: it never reaches a COPY.
            pack.entry({ name: '.dockerignore', mode: 0o644 }, `${rules}\n${LABELLED_DOCKERFILE}\n`);
            pack.entry({ name: LABELLED_DOCKERFILE, mode: 0o644 }, labelled);
            pack.finalize();
          },
        }
      : {}),
  };
  return tar.pack(contextDir, options) as unknown as Readable;
}

/** The Dockerfile with one `LABEL "k"="v" ...` line appended; values are quoted so nothing expands. */
export function labelledDockerfile(content: string, labels: Record<string, string>): string {
  const quote = (s: string) => `"${s.replace(/[\\"$]/g, (c) => `\\${c}`).replace(/[\r\n]/g, ' ')}"`;
  const pairs = Object.entries(labels).map(([k, v]) => `${quote(k)}=${quote(v)}`);
  return `${content.replace(/\s*$/, '')}\nLABEL ${pairs.join(' ')}\n`;
}
