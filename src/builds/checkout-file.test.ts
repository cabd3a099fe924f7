import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCheckoutFile } from './checkout-file';

let tmp: string;
let root: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'berth-checkout-file-'));
  root = join(tmp, 'repo');
  mkdirSync(join(root, 'dir'), { recursive: true });
  writeFileSync(join(tmp, 'secret'), 'SECRET_OUTSIDE');
  writeFileSync(join(root, 'Dockerfile'), 'FROM scratch\n');
  writeFileSync(join(root, 'ten'), '0123456789');
  writeFileSync(join(root, 'eleven'), '0123456789a');
  symlinkSync('Dockerfile', join(root, 'inside-link'));
  symlinkSync(join(tmp, 'secret'), join(root, 'outside-link'));
  symlinkSync('../secret', join(root, 'relative-outside-link'));
  symlinkSync('/proc/self/environ', join(root, 'environ-link'));
  symlinkSync('/dev/zero', join(root, 'zero-link'));
  symlinkSync('nowhere', join(root, 'dangling-link'));
  symlinkSync(tmp, join(root, 'outside-dir'));
  execFileSync('mkfifo', [join(root, 'fifo')]);
});

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('readCheckoutFile', () => {
  it('reads a regular file, also through a symlink that stays inside', () => {
    expect(readCheckoutFile(root, 'Dockerfile')).toEqual({ kind: 'file', text: 'FROM scratch\n' });
    expect(readCheckoutFile(root, 'inside-link')).toEqual({ kind: 'file', text: 'FROM scratch\n' });
  });

  it('reports a missing file as absent', () => {
    expect(readCheckoutFile(root, 'missing')).toEqual({ kind: 'absent' });
    expect(readCheckoutFile(root, 'dir/missing')).toEqual({ kind: 'absent' });
  });

  it.each(['outside-link', 'relative-outside-link', 'environ-link', 'zero-link', 'dangling-link', 'outside-dir/secret'])(
    'refuses %s, a symlink leading outside the checkout, without reading it',
    (path) => {
      expect(readCheckoutFile(root, path)).toEqual({ kind: 'unsafe', reason: 'a symlink leading outside the checkout' });
    },
  );

  it('refuses a path leading outside', () => {
    expect(readCheckoutFile(root, '../secret')).toEqual({ kind: 'unsafe', reason: 'a path leading outside the checkout' });
  });

  it('refuses a FIFO without waiting for a writer, and a directory', () => {
    expect(readCheckoutFile(root, 'fifo')).toEqual({ kind: 'unsafe', reason: 'not a regular file' });
    expect(readCheckoutFile(root, 'dir')).toEqual({ kind: 'unsafe', reason: 'not a regular file' });
  });

  it('refuses a device, even one the caller would consider inside', () => {
    // The checkout root itself is /dev here: the real path check passes, the file type must not.
    expect(readCheckoutFile('/dev', 'zero', 10)).toEqual({ kind: 'unsafe', reason: 'not a regular file' });
  });

  it('refuses a file larger than the cap, and reads one exactly at it', () => {
    expect(readCheckoutFile(root, 'ten', 10)).toEqual({ kind: 'file', text: '0123456789' });
    expect(readCheckoutFile(root, 'eleven', 10)).toEqual({ kind: 'unsafe', reason: 'larger than 10 bytes' });
  });

  it('caps files whose size the kernel does not report, like those of /proc', () => {
    // /proc files stat as 0 bytes: only reading at most cap + 1 bytes tells they are larger.
    expect(readCheckoutFile('/proc/self', 'status', 10)).toEqual({ kind: 'unsafe', reason: 'larger than 10 bytes' });
  });
});
