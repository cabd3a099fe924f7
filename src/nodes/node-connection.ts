import { readFileSync } from 'node:fs';
import type { DockerOptions } from 'dockerode';
import type { Agent } from 'node:http';
import { utils as sshUtils } from 'ssh2';
import type { NodeConfig } from '../config/config.schema';
import { parseKnownHosts } from './known-hosts';
import { displayAddress, parseNodeAddress } from './node-address';
import { SshSocketAgent } from './ssh-socket.agent';

/** How dockerode reaches one node, and the address the API shows for it. */
export interface NodeConnection {
  docker: DockerOptions & { agent?: Agent };
  address: string;
  /** Closes what the connection keeps open (the SSH session). */
  close(): void;
}

type ReadFile = (path: string) => Buffer;

/**
 * Dockerode options of a `[[nodes]]` entry. The key and certificate files are read here, once,
 * at start-up; every file that cannot be read is named in one error, with its key and path.
 */
export function nodeConnection(node: NodeConfig, read: ReadFile = (p) => readFileSync(p)): NodeConnection {
  const address = parseNodeAddress(node.host);
  const problems: string[] = [];
  const file = (key: 'ca' | 'cert' | 'key' | 'ssh_key' | 'known_hosts'): Buffer => {
    const path = node[key] ?? '';
    try {
      return read(path);
    } catch (err) {
      problems.push(`[[nodes]] "${node.name}" ${key}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      return Buffer.alloc(0);
    }
  };
  const shown = displayAddress(address);
  let connection: NodeConnection;
  if (address.kind === 'unix') {
    connection = { docker: { socketPath: address.socketPath }, address: shown, close: () => undefined };
  } else if (address.kind === 'tcp') {
    const tls = { ca: file('ca'), cert: file('cert'), key: file('key') };
    connection = { docker: { protocol: 'https', host: address.host, port: address.port, ...tls }, address: shown, close: () => undefined };
  } else {
    const privateKey = file('ssh_key');
    if (privateKey.length > 0 && sshUtils.parseKey(privateKey) instanceof Error) {
      problems.push(`[[nodes]] "${node.name}" ssh_key: ${node.ssh_key} is not an unencrypted private key`);
    }
    const knownHosts = parseKnownHosts(file('known_hosts').toString('utf8'));
    if (problems.length === 0 && knownHosts.length === 0) problems.push(`[[nodes]] "${node.name}" known_hosts: ${node.known_hosts} lists no host key`);
    const agent = new SshSocketAgent({ ...address, privateKey, knownHosts, socketPath: node.socket, readyTimeoutMs: node.timeout_seconds * 1000 });
    // The host name only fills the request line: the agent decides where bytes go.
    connection = { docker: { protocol: 'http', host: 'engine', port: 80, agent }, address: shown, close: () => agent.destroy() };
  }
  if (problems.length > 0) throw new Error(`cannot use the configured nodes:\n  ${problems.join('\n  ')}`);
  return connection;
}
