import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, realpathSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** The most Berth reads of one repository file (a Dockerfile, `.dockerignore`, a compose file...). */
export const MAX_CHECKOUT_READ_BYTES = 1024 * 1024;

/** What reading a file of a checkout found. */
export type CheckoutRead =
  | { kind: 'file'; text: string }
  | { kind: 'absent' }
  /** It exists but must not be read; `reason` completes "<path> is ...". */
  | { kind: 'unsafe'; reason: string };

/**
 * Reads a file of a repository checkout the one way a repository cannot abuse: only a regular
 * file whose real path stays inside `root`, at most `maxBytes`. A repository may hold
 * `.dockerignore -> /proc/self/environ`, `Dockerfile -> /dev/zero`, a FIFO or a huge file.
 * Opening with O_NOFOLLOW | O_NONBLOCK and reading at most maxBytes + 1 bytes means none of these
 * can hang or bloat the worker, even if the file changes between the checks and the read.
 */
export function readCheckoutFile(root: string, path: string, maxBytes = MAX_CHECKOUT_READ_BYTES): CheckoutRead {
  const realRoot = realpathSync(root);
  const candidate = join(realRoot, path);
  if (!isInside(realRoot, candidate)) return { kind: 'unsafe', reason: 'a path leading outside the checkout' };
  let real: string;
  try {
    lstatSync(candidate);
  } catch {
    return { kind: 'absent' };
  }
  try {
    real = realpathSync(candidate);
  } catch {
    // A dangling link says nothing about where it points; treat it like one leading out.
    return { kind: 'unsafe', reason: 'a symlink leading outside the checkout' };
  }
  if (!isInside(realRoot, real)) return { kind: 'unsafe', reason: 'a symlink leading outside the checkout' };
  let fd: number;
  try {
    fd = openSync(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return { kind: 'unsafe', reason: 'not a regular file' };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { kind: 'unsafe', reason: 'not a regular file' };
    if (stat.size > maxBytes) return { kind: 'unsafe', reason: `larger than ${maxBytes} bytes` };
    const content = readAtMost(fd, maxBytes + 1);
    if (content.length > maxBytes) return { kind: 'unsafe', reason: `larger than ${maxBytes} bytes` };
    return { kind: 'file', text: content.toString('utf8') };
  } finally {
    closeSync(fd);
  }
}

function readAtMost(fd: number, limit: number): Buffer {
  const buffer = Buffer.alloc(Math.min(limit, 64 * 1024));
  const chunks: Buffer[] = [];
  let total = 0;
  while (total < limit) {
    const read = readSync(fd, buffer, 0, Math.min(buffer.length, limit - total), null);
    if (read === 0) break;
    chunks.push(Buffer.from(buffer.subarray(0, read)));
    total += read;
  }
  return Buffer.concat(chunks);
}

/** Whether `path` is `root` or lies under it (both absolute, already resolved as needed). */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !rel.startsWith(sep));
}
