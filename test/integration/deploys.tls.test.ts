import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { startDeployEnv, type DeployEnv } from '../support/deploy-env';
import { freePort } from '../support/keep-alive-load';
import { TestPebble } from '../support/pebble';
import { poll } from './helpers';
import { appFiles, createApp, deployCommit } from './deploy-helpers';

interface Answer {
  status: number;
  body: string;
  location?: string;
  issuer?: string;
  san?: string;
}

function httpGet(port: number, host: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/', headers: { Host: host }, agent: false, timeout: 10_000 }, (res) => collect(res, resolve)).on('error', reject);
  });
}

/** GET over TLS to 127.0.0.1 with SNI `host`, verifying the certificate against `ca` for that name. */
function httpsGet(port: number, host: string, ca: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    https
      .get({ host: '127.0.0.1', port, servername: host, path: '/', headers: { Host: host }, ca, agent: false, timeout: 10_000 }, (res) => {
        const cert = (res.socket as TLSSocket).getPeerX509Certificate();
        collect(res, (a) => resolve({ ...a, ...(cert ? { issuer: cert.issuer, san: cert.subjectAltName } : {}) }));
      })
      .on('error', reject);
  });
}

function collect(res: http.IncomingMessage, done: (a: Answer) => void): void {
  let body = '';
  res.setEncoding('utf8');
  res.on('data', (c: string) => (body += c));
  res.on('end', () => done({ status: res.statusCode ?? 0, body, ...(res.headers.location ? { location: res.headers.location } : {}) }));
}

/**
 * An app's domains get certificates by themselves: creating the app through the API orders one
 * from Debian's pebble (HTTP-01 answered by the API's own HAProxy), served by SNI once deployed.
 */
describe('TLS for the apps’ domains', () => {
  let env: DeployEnv;
  let pebble: TestPebble;
  let dir: string;
  let httpsPort: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-deploy-tls-'));
    const httpPort = await freePort();
    httpsPort = await freePort();
    pebble = await TestPebble.start(dir, httpPort);
    writeFileSync(join(dir, 'pebble-ca.pem'), pebble.serverCa);
    env = await startDeployEnv({
      proxy: {
        http_port: httpPort,
        https_port: httpsPort,
        acme_directory_url: pebble.directoryUrl,
        acme_email: 'ops@example.test',
        acme_ca_file: join(dir, 'pebble-ca.pem'),
        acme_retry_seconds: 1,
        // No periodic sweep within the test: the certificate comes from creating the app.
        certs_rescan_seconds: 3600,
      },
    });
  });

  afterAll(async () => {
    await env?.close();
    await pebble?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('orders a certificate for a new app’s domain, serves the app over HTTPS by SNI and redirects HTTP', async () => {
    const app = `${env.api.runId}-tls`;
    const host = `${app}.test`;
    const { url, commit } = env.git.push(app, appFiles('secure'));
    await createApp(env, { name: app, git_repo: url, buildpack_type: 'dockerfile', domains: [host] });
    await deployCommit(env, app, commit);
    const root = await pebble.root();
    // The order runs beside the API's answers: wait until HAProxy serves pebble's certificate.
    const res = await poll(
      'certificate from pebble served',
      async () => {
        const answer = await httpsGet(httpsPort, host, root).catch(() => undefined);
        return answer?.issuer?.includes('Pebble') ? answer : undefined;
      },
      60_000,
      250,
    );
    expect(res).toMatchObject({ status: 200, body: 'secure', san: `DNS:${host}` });
    expect(await httpGet(env.httpPort, host)).toMatchObject({ status: 308, location: `https://${host}:${httpsPort}/` });
  });
});
