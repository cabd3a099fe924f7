import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { freePort } from './keep-alive-load';

/**
 * Debian's pebble ACME test server and pebble-challtestsrv (its DNS: every name resolves to
 * 127.0.0.1), on the test's own ports, as children of the test process. Pebble validates HTTP-01
 * on `httpPort` (the test HAProxy's HTTP port).
 */
export class TestPebble {
  private constructor(
    private readonly children: ChildProcess[],
    readonly directoryUrl: string,
    /** Pebble's own TLS certificate: trust it for the directory. */
    readonly serverCa: string,
    private readonly managementPort: number,
    readonly output: string[],
  ) {}

  static async start(dir: string, httpPort: number): Promise<TestPebble> {
    const [listen, management, dns, dnsManagement] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const cert = join(dir, 'pebble.crt');
    const key = join(dir, 'pebble.key');
    await promisify(execFile)('openssl', [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '30'],
      ...['-keyout', key, '-out', cert, '-subj', '/CN=pebble', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
    ]);
    const config = {
      pebble: {
        listenAddress: `127.0.0.1:${listen}`,
        managementListenAddress: `127.0.0.1:${management}`,
        certificate: cert,
        privateKey: key,
        httpPort,
        tlsPort: await freePort(),
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
      },
    };
    await writeFile(join(dir, 'pebble.json'), JSON.stringify(config));
    const output: string[] = [];
    const env = { ...process.env, PEBBLE_VA_NOSLEEP: '1' };
    const challtest = spawn(
      'pebble-challtestsrv',
      [
        '-defaultIPv4',
        '127.0.0.1',
        '-defaultIPv6',
        '',
        '-dns01',
        `127.0.0.1:${dns}`,
        '-http01',
        '',
        '-https01',
        '',
        '-tlsalpn01',
        '',
        '-management',
        `127.0.0.1:${dnsManagement}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const pebble = spawn('pebble', ['-config', join(dir, 'pebble.json'), '-dnsserver', `127.0.0.1:${dns}`], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const child of [challtest, pebble]) {
      child.on('error', (err) => output.push(`${err.message}: install Debian's pebble package (scripts/setup.sh does)\n`));
      child.stdout?.on('data', (c: Buffer) => output.push(c.toString()));
      child.stderr?.on('data', (c: Buffer) => output.push(c.toString()));
    }
    const server = new TestPebble([pebble, challtest], `https://127.0.0.1:${listen}/dir`, await readFile(cert, 'utf8'), management, output);
    const deadline = Date.now() + 15_000;
    while (
      !(await server.get(server.directoryUrl).then(
        () => true,
        () => false,
      ))
    ) {
      const dead = [pebble, challtest].some((c) => c.exitCode !== null || c.pid === undefined);
      if (dead || Date.now() > deadline) {
        await server.stop();
        throw new Error(`pebble did not start: ${output.join('')}`);
      }
      await sleep(100);
    }
    return server;
  }

  /** The root that signs the certificates pebble issues (a new one each start). */
  root(): Promise<string> {
    return this.get(`https://127.0.0.1:${this.managementPort}/roots/0`);
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      ),
    );
  }

  private get(url: string): Promise<string> {
    return new Promise((resolve, reject) => {
      https
        .get(url, { ca: this.serverCa, agent: false }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`${url}: ${res.statusCode}`))));
        })
        .on('error', reject);
    });
  }
}
