import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseBundle, type CertificateBundle } from './certificate-bundle';
import { readCapped } from './certificate.store';
import { dirCertName } from './tls-names';

export interface DirectoryCertificate {
  /** Name in the proxy (`dir_<file name without .pem>`). */
  name: string;
  file: string;
  bundle: CertificateBundle;
}

export interface DirectoryScan {
  certificates: DirectoryCertificate[];
  /** Files that could not be used, and why (no key material in the message). */
  problems: Array<{ file: string; message: string }>;
}

/**
 * Certificates an operator puts in `[proxy] certs_dir`: one `*.pem` per certificate, holding the
 * certificate, its chain and its private key (a wildcard certificate, say). Symlinks and files
 * over 1 MiB are skipped.
 */
export class CertDirSource {
  constructor(private readonly dir: string) {}

  async scan(): Promise<DirectoryScan> {
    const scan: DirectoryScan = { certificates: [], problems: [] };
    const files = await readdir(this.dir).catch((err: NodeJS.ErrnoException) => {
      scan.problems.push({ file: this.dir, message: `cannot read the certificates directory: ${err.code ?? err.message}` });
      return [] as string[];
    });
    for (const file of files.filter((f) => f.toLowerCase().endsWith('.pem')).sort()) {
      try {
        const text = await readCapped(join(this.dir, file));
        if (text === undefined) throw new Error('not a regular file of at most 1 MiB');
        scan.certificates.push({ name: dirCertName(file), file, bundle: parseBundle(text, file) });
      } catch (err) {
        scan.problems.push({ file, message: err instanceof Error ? err.message : String(err) });
      }
    }
    return scan;
  }
}
