import { existsSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import dockerignore from '@balena/dockerignore';
import tar from 'tar-fs';

/**
 * The build context as a tar stream, honouring `.dockerignore` the way the docker CLI does
 * (the engine API itself ignores that file). The Dockerfile and `.dockerignore` are always sent,
 * as the CLI does, so the engine can read them even when ignored.
 */
export function packContext(contextDir: string, dockerfile: string): Readable {
  const pack = (options: tar.PackOptions) => tar.pack(contextDir, options) as unknown as Readable;
  const ignoreFile = join(contextDir, '.dockerignore');
  const rules = existsSync(ignoreFile) ? readFileSync(ignoreFile, 'utf8') : '';
  const matcher = dockerignore({ ignorecase: false }).add(rules);
  const keep = new Set([dockerfile.split(sep).join('/'), '.dockerignore']);
  return pack({
    ignore: (name) => {
      const rel = relative(contextDir, name).split(sep).join('/');
      return rel !== '' && !keep.has(rel) && matcher.ignores(rel);
    },
    // Ownership inside the image should not depend on the worker's users.
    map: (header) => ({ ...header, uid: 0, gid: 0, uname: 'root', gname: 'root' }),
  });
}
