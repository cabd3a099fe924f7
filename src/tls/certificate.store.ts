import { lstat, mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkHost } from '../proxy/proxy-names';
import { parseBundle, type CertificateBundle } from './certificate-bundle';

/** The most a certificate file may take: a bundle is a few KiB. */
const MAX_FILE_BYTES = 1024 * 1024;

/**
 * Berth's own certificates under `[server] data_dir`/tls: the ACME account key and one PEM bundle
 * per domain. Files are owner-only (they hold private keys) and written atomically.
 */
export class CertificateStore {
  constructor(private readonly dir: string) {}

  /** The ACME account key, made by `create` on first use. */
  async accountKey(create: () => Promise<Buffer>): Promise<Buffer> {
    const path = join(this.dir, 'acme-account.key');
    const existing = await readFile(path).catch(() => undefined);
    if (existing) return existing;
    const key = await create();
    await this.write(path, key);
    return key;
  }

  /** The stored certificate of `domain`, or undefined (none, or unreadable). */
  async read(domain: string): Promise<CertificateBundle | undefined> {
    const text = await readCapped(this.certPath(domain));
    if (text === undefined) return undefined;
    try {
      return parseBundle(text, `stored certificate of ${domain}`);
    } catch {
      return undefined;
    }
  }

  async save(domain: string, pem: string): Promise<void> {
    await this.write(this.certPath(domain), `${pem.trim()}\n`);
  }

  async domains(): Promise<string[]> {
    const names = await readdir(join(this.dir, 'certs')).catch(() => [] as string[]);
    return names.filter((n) => n.endsWith('.pem')).map((n) => n.slice(0, -4));
  }

  private certPath(domain: string): string {
    return join(this.dir, 'certs', `${checkHost(domain)}.pem`);
  }

  private async write(path: string, data: string | Buffer): Promise<void> {
    await mkdir(join(this.dir, 'certs'), { recursive: true, mode: 0o700 });
    const next = `${path}.next`;
    await writeFile(next, data, { mode: 0o600 });
    await rename(next, path);
  }
}

/** A regular file's text (no symlink, at most 1 MiB), or undefined. */
export async function readCapped(path: string): Promise<string | undefined> {
  const info = await lstat(path).catch(() => undefined);
  if (!info?.isFile() || info.size > MAX_FILE_BYTES) return undefined;
  return readFile(path, 'utf8').catch(() => undefined);
}
