import { Agent, type ClientRequestArgs } from 'node:http';
import type { Duplex } from 'node:stream';
import { Client } from 'ssh2';
import { isKnownKey, knownHostName, type KnownHost } from './known-hosts';

export interface SshSocketOptions {
  host: string;
  port: number;
  user: string;
  privateKey: Buffer;
  knownHosts: readonly KnownHost[];
  /** The engine's socket on the remote host. */
  socketPath: string;
  /** Milliseconds the SSH handshake may take. */
  readyTimeoutMs: number;
}

/**
 * An HTTP agent whose connections are SSH stream forwards (`direct-streamlocal`) to the remote
 * engine's socket, so dockerode speaks the engine API over SSH with no program run on the host
 * (docker-modem's own SSH mode runs `docker system dial-stdio`, which needs the docker CLI there
 * and cannot name a Podman socket). One SSH connection is shared and opened again when it drops.
 */
export class SshSocketAgent extends Agent {
  private client: Promise<Client> | undefined;

  constructor(private readonly ssh: SshSocketOptions) {
    super({ keepAlive: false });
  }

  override createConnection(_options: ClientRequestArgs, callback?: (err: Error | null, socket: Duplex) => void): Duplex {
    this.connected()
      .then((client) =>
        client.openssh_forwardOutStreamLocal(this.ssh.socketPath, (err, stream) => {
          if (err) {
            const failure = Object.assign(new Error(`ssh: the engine socket ${this.ssh.socketPath} cannot be opened: ${err.message}`), { code: 'ECONNREFUSED' });
            return callback?.(failure, undefined as never);
          }
          callback?.(null, stream);
        }),
      )
      .catch((err: Error) => callback?.(err, undefined as never));
    return undefined as never;
  }

  override destroy(): void {
    const client = this.client;
    this.client = undefined;
    void client?.then((c) => c.end()).catch(() => undefined);
    super.destroy();
  }

  private connected(): Promise<Client> {
    this.client ??= this.connect();
    return this.client;
  }

  private connect(): Promise<Client> {
    const { host, port, user, privateKey, knownHosts, readyTimeoutMs } = this.ssh;
    const name = knownHostName(host, port);
    const pending: Promise<Client> = new Promise((resolve, reject) => {
      const client = new Client();
      const forget = () => {
        if (this.client === pending) this.client = undefined;
      };
      client.once('ready', () => resolve(client));
      client.on('error', (err) => {
        forget();
        // A code the engine adapter counts as "not reachable": the node then answers 503.
        const code = (err as NodeJS.ErrnoException).code ?? 'ECONNREFUSED';
        reject(Object.assign(new Error(`ssh ${user}@${name}: ${err.message}`), { code }));
      });
      client.once('close', forget);
      client.connect({
        host,
        port,
        username: user,
        privateKey,
        readyTimeout: readyTimeoutMs,
        keepaliveInterval: 15000,
        // No trust on first use: only a key listed in known_hosts is accepted.
        hostVerifier: (key: Buffer) => isKnownKey(knownHosts, name, key),
      });
    });
    // A failed handshake is not kept: the next request tries again.
    pending.catch(() => undefined);
    return pending;
  }
}
