import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { startTestApi, type TestApi } from '../support/api';
import { SOCKETS } from '../support/engines';
import { startSshd, type TestSshd } from '../support/sshd';
import { freePort } from './helpers';

/** An SSH node whose known_hosts lists another key than the server's: Berth must not talk to it. */
describe('nodes: SSH host key checking', () => {
  let api: TestApi;
  let sshd: TestSshd;
  const dir = mkdtempSync(join(tmpdir(), 'berth-node-hostkey-'));

  beforeAll(async () => {
    sshd = await startSshd(await freePort());
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'other')]);
    const other = readFileSync(join(dir, 'other.pub'), 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
    writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${sshd.port} ${other}\n`);
    const node = (name: string, knownHosts: string) => ({
      name,
      runtime: 'podman',
      host: `ssh://${sshd.user}@127.0.0.1:${sshd.port}`,
      ssh_key: sshd.keyFile,
      known_hosts: knownHosts,
      socket: SOCKETS.podman,
    });
    api = await startTestApi({ nodes: [node('stranger', join(dir, 'known_hosts')), node('trusted', sshd.knownHostsFile)] } as never);
  });

  afterAll(async () => {
    await api?.close();
    await sshd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a host whose key is not the one listed, and answers 503 naming the node', async () => {
    const state = async (name: string) =>
      (await request(api.url).get(`/api/v1/nodes/${name}`).set(api.auth())).body as { reachable: boolean; error?: { message: string } };
    // The same server with its own key listed answers: only the key differs between the two nodes.
    for (let i = 0; i < 120 && !(await state('trusted')).reachable; i += 1) await new Promise((r) => setTimeout(r, 250));
    expect((await state('trusted')).reachable).toBe(true);
    for (let i = 0; i < 120 && (await state('stranger')).error === undefined; i += 1) await new Promise((r) => setTimeout(r, 250));
    const stranger = await state('stranger');
    expect(stranger.reachable).toBe(false);
    expect(stranger.error?.message).toMatch(/verification failed/i);
    const res = await request(api.url).get('/api/v1/nodes/stranger/containers').set(api.auth());
    expect(res.status).toBe(503);
    expect(res.body.error).toMatchObject({ code: 'node_unavailable', details: { node: 'stranger' } });
  });
});
