import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProxyError } from '../errors';
import { checkHost } from '../proxy/proxy-names';

export interface SelfSignedOptions {
  /** DNS names (subjectAltName). Default: none, the common name only. */
  names?: string[];
  /** Days of validity. Default 3650. */
  days?: number;
}

/**
 * Self-signed certificates from the openssl binary (argument arrays only): the HTTPS frontend's
 * default certificate, so that its bind works before any real certificate exists.
 */
export class SelfSigned {
  constructor(private readonly binary = 'openssl') {}

  /** A P-256 certificate and its key, as one PEM bundle (certificate first). */
  async generate(commonName: string, options: SelfSignedOptions = {}): Promise<string> {
    const cn = checkHost(commonName);
    const names = (options.names ?? []).map((n) => (n.startsWith('*.') ? `*.${checkHost(n.slice(2))}` : checkHost(n)));
    const dir = await mkdtemp(join(tmpdir(), 'berth-cert-'));
    try {
      const key = join(dir, 'key.pem');
      const cert = join(dir, 'cert.pem');
      const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert];
      args.push('-days', String(options.days ?? 3650), '-subj', `/CN=${cn}`);
      if (names.length > 0) args.push('-addext', `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}`);
      await this.run(args);
      return `${(await readFile(cert, 'utf8')).trim()}\n${(await readFile(key, 'utf8')).trim()}\n`;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private run(args: string[]): Promise<void> {
    return new Promise((resolve, reject) => {
      execFile(this.binary, args, { timeout: 30_000 }, (err, _stdout, stderr) => {
        if (!err) return resolve();
        reject(new ProxyError('proxy_error', `openssl could not make a self-signed certificate: ${String(stderr).trim().slice(0, 300) || err.message}`));
      });
    });
  }
}
