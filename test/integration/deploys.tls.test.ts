import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDeployEnv, type DeployEnv } from '../support/deploy-env';
import { freePort } from '../support/keep-alive-load';
import { httpGetHost, httpsGetHost } from '../support/host-requests';
import { TestPebble } from '../support/pebble';
import { poll } from './helpers';
import { appFiles, createApp, deployCommit } from './deploy-helpers';

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
        const answer = await httpsGetHost(httpsPort, host, root).catch(() => undefined);
        return answer?.cert?.issuer.includes('Pebble') ? answer : undefined;
      },
      60_000,
      250,
    );
    expect(res).toMatchObject({ status: 200, body: 'secure' });
    expect(res.cert?.subjectAltName).toBe(`DNS:${host}`);
    expect(await httpGetHost(env.httpPort, host)).toMatchObject({ status: 308, location: `https://${host}:${httpsPort}/` });
  });
});
