import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ProxyError } from '../errors';
import type { HaproxyTlsOptions } from '../proxy/haproxy-config';
import { parseMap } from '../proxy/haproxy-output';
import type { HaproxyRuntime } from '../proxy/haproxy-runtime';
import { checkHost, checkPath } from '../proxy/proxy-names';
import { certCommandSucceeded, parseCertStore, parseCrtList } from './haproxy-tls.output';
import type { SelfSigned } from './self-signed';
import { checkCertName, checkKeyAuthorization, checkToken } from './tls-names';
import type { TlsEdgePort } from './tls-edge.port';

/** Where the HTTPS side's files live inside the proxy's configuration directory. */
export function haproxyTlsPaths(configDir: string, httpsPort: number): HaproxyTlsOptions & { certsDir: string } {
  const dir = join(configDir, 'tls');
  return {
    httpsPort,
    defaultCertPath: join(dir, 'default.pem'),
    crtListPath: join(dir, 'certs.list'),
    certsDir: join(dir, 'certs'),
    challengeMapPath: join(configDir, 'acme-challenges.map'),
    redirectMapPath: join(configDir, 'https-hosts.map'),
  };
}

/**
 * TLS on HAProxy through its Runtime API: `new/set/commit ssl cert` and `add ssl crt-list` for
 * certificates, `add/set/del map` for challenges and redirects. After each change the files are
 * rewritten from what HAProxy reports, so a reload or restart serves the same, whichever process
 * made the change. Private keys are written mode 600 and never appear in an error.
 */
export class HaproxyTlsEdge implements TlsEdgePort {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly runtime: HaproxyRuntime,
    private readonly paths: ReturnType<typeof haproxyTlsPaths>,
    private readonly selfSigned: SelfSigned,
  ) {
    for (const [field, path] of Object.entries(paths)) if (typeof path === 'string') checkPath(path, field);
  }

  async prepare(): Promise<void> {
    await mkdir(this.paths.certsDir, { recursive: true, mode: 0o700 });
    if (!(await exists(this.paths.defaultCertPath))) await writeSecret(this.paths.defaultCertPath, await this.selfSigned.generate('berth-default'));
    // A listed certificate whose file is gone would make HAProxy refuse the whole configuration.
    const listed = (await readFile(this.paths.crtListPath, 'utf8').catch(() => '')).split('\n').filter((l) => l.trim() !== '');
    const kept: string[] = [];
    for (const path of listed) if (path.startsWith(`${this.paths.certsDir}/`) && (await exists(path))) kept.push(path);
    await writeSecret(this.paths.crtListPath, kept.map((p) => `${p}\n`).join(''));
    for (const map of [this.paths.challengeMapPath, this.paths.redirectMapPath]) if (!(await exists(map))) await writeSecret(map, '');
  }

  async certificates(): Promise<string[]> {
    const listed = parseCrtList(await this.runtime.send(`show ssl crt-list ${this.paths.crtListPath}`));
    return listed.filter((p) => dirname(p) === this.paths.certsDir).map((p) => basename(p, '.pem'));
  }

  putCertificate(name: string, pem: string): Promise<void> {
    const path = this.certPath(name);
    return this.serially(async () => {
      await writeSecret(path, `${pem}\n`);
      const stored = parseCertStore(await this.runtime.send('show ssl cert'));
      if (!stored.includes(path)) await this.certCommand(`new ssl cert ${path}`);
      await this.certCommand(`set ssl cert ${path}`, pem);
      await this.certCommand(`commit ssl cert ${path}`);
      const listed = parseCrtList(await this.runtime.send(`show ssl crt-list ${this.paths.crtListPath}`));
      if (!listed.includes(path)) await this.certCommand(`add ssl crt-list ${this.paths.crtListPath} ${path}`);
      await this.saveCrtList();
    });
  }

  removeCertificate(name: string): Promise<void> {
    const path = this.certPath(name);
    return this.serially(async () => {
      const listed = parseCrtList(await this.runtime.send(`show ssl crt-list ${this.paths.crtListPath}`));
      if (listed.includes(path)) await this.certCommand(`del ssl crt-list ${this.paths.crtListPath} ${path}`);
      const stored = parseCertStore(await this.runtime.send('show ssl cert'));
      if (stored.includes(path)) await this.certCommand(`del ssl cert ${path}`);
      await this.saveCrtList();
      await rm(path, { force: true });
    });
  }

  setRedirect(host: string, on: boolean): Promise<void> {
    const key = checkHost(host);
    return this.serially(() => (on ? this.setEntry(this.paths.redirectMapPath, key, '1') : this.deleteEntry(this.paths.redirectMapPath, key)));
  }

  setChallenge(token: string, keyAuthorization: string): Promise<void> {
    checkToken(token);
    checkKeyAuthorization(keyAuthorization);
    return this.serially(() => this.setEntry(this.paths.challengeMapPath, token, keyAuthorization));
  }

  removeChallenge(token: string): Promise<void> {
    checkToken(token);
    return this.serially(() => this.deleteEntry(this.paths.challengeMapPath, token));
  }

  private certPath(name: string): string {
    return join(this.paths.certsDir, `${checkCertName(name)}.pem`);
  }

  /** Arguments here are checked names and paths; the payload is a PEM bundle, never echoed in errors. */
  private async certCommand(command: string, payload?: string): Promise<void> {
    const answer = await this.runtime.send(command, payload);
    if (!certCommandSucceeded(answer)) {
      throw new ProxyError('proxy_error', `HAProxy refused "${command.split(' ').slice(0, 3).join(' ')}": ${answer.trim().slice(0, 200) || '(no answer)'}`, {
        command: command.split(' ').slice(0, 3).join(' '),
      });
    }
  }

  private async setEntry(map: string, key: string, value: string): Promise<void> {
    const answer = (await this.runtime.send(`set map ${map} ${key} ${value}`)).trim();
    if (answer === 'entry not found.') await this.expectEmpty(`add map ${map} ${key} ${value}`);
    else if (answer !== '') throw new ProxyError('proxy_error', `HAProxy refused "set map": ${answer.slice(0, 200)}`);
    await this.saveMap(map);
  }

  private async deleteEntry(map: string, key: string): Promise<void> {
    const answer = (await this.runtime.send(`del map ${map} ${key}`)).trim();
    if (answer !== '' && answer !== 'Key not found.') throw new ProxyError('proxy_error', `HAProxy refused "del map": ${answer.slice(0, 200)}`);
    await this.saveMap(map);
  }

  private async expectEmpty(command: string): Promise<void> {
    const answer = (await this.runtime.send(command)).trim();
    if (answer !== '') throw new ProxyError('proxy_error', `HAProxy refused "${command.split(' ').slice(0, 2).join(' ')}": ${answer.slice(0, 200)}`);
  }

  private async saveMap(map: string): Promise<void> {
    const entries = parseMap(await this.runtime.send(`show map ${map}`));
    await writeSecret(map, entries.map((e) => `${e.key} ${e.value}\n`).join(''));
  }

  private async saveCrtList(): Promise<void> {
    const listed = parseCrtList(await this.runtime.send(`show ssl crt-list ${this.paths.crtListPath}`));
    await writeSecret(this.paths.crtListPath, listed.map((p) => `${p}\n`).join(''));
  }

  private serially<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

async function exists(path: string): Promise<boolean> {
  return readFile(path).then(
    () => true,
    () => false,
  );
}

/** Atomic (a crash leaves the old or the new file), owner-only: these hold private keys. */
async function writeSecret(path: string, text: string): Promise<void> {
  const next = `${path}.next`;
  await writeFile(next, text, { mode: 0o600 });
  await rename(next, path);
}
