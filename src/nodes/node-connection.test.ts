import { generateKeyPairSync } from 'node:crypto';
import type { NodeConfig } from '../config/config.schema';
import { nodeConnection } from './node-connection';

const base = { runtime: 'docker', socket: '/var/run/docker.sock', timeout_seconds: 10 } as const;
const missing = (path: string): Buffer => {
  throw Object.assign(new Error(`ENOENT ${path}`), { code: 'ENOENT' });
};

describe('nodeConnection', () => {
  it('reaches a unix socket directly', () => {
    const c = nodeConnection({ ...base, name: 'n', host: 'unix:///run/d2.sock' }, missing);
    expect(c.docker).toEqual({ socketPath: '/run/d2.sock' });
    expect(c.address).toBe('unix:///run/d2.sock');
  });

  it('reads the TLS files of a tcp node', () => {
    const c = nodeConnection({ ...base, name: 'n', host: 'tcp://127.0.0.1:2376', ca: '/c/ca', cert: '/c/cert', key: '/c/key' }, (p) => Buffer.from(`pem ${p}`));
    expect(c.docker).toMatchObject({ protocol: 'https', host: '127.0.0.1', port: 2376, ca: Buffer.from('pem /c/ca'), key: Buffer.from('pem /c/key') });
  });

  it('names every file it cannot read, with its key and path', () => {
    const node = { ...base, name: 'edge', host: 'tcp://127.0.0.1:2376', ca: '/x/ca.pem', cert: '/x/cert.pem', key: '/x/key.pem' } as NodeConfig;
    expect(() => nodeConnection(node, missing)).toThrow(
      /"edge" ca: cannot read \/x\/ca.pem \(ENOENT\)\n.*"edge" cert: cannot read \/x\/cert.pem \(ENOENT\)\n.*"edge" key: cannot read \/x\/key.pem/,
    );
  });

  it('refuses an ssh key it cannot parse and a known_hosts without keys', () => {
    const node = { ...base, name: 'edge', host: 'ssh://berth@127.0.0.1:2222', ssh_key: '/k/id', known_hosts: '/k/known' } as NodeConfig;
    expect(() => nodeConnection(node, (p) => Buffer.from(p === '/k/id' ? 'not a key' : ''))).toThrow(/ssh_key: \/k\/id is not an unencrypted private key/);
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = Buffer.from(privateKey.export({ type: 'pkcs1', format: 'pem' }) as string);
    expect(() => nodeConnection(node, (p) => (p === '/k/id' ? pem : Buffer.from('# none\n')))).toThrow(/known_hosts: \/k\/known lists no host key/);
  });
});
