import { createConnection } from 'node:net';
import { ProxyError, UnavailableError } from '../errors';
import { SERVER_CHECK } from './haproxy-config';
import { parseBackends, parseInfo, parseMap, parseServersState, parseStat, sessionsByServer, type ServerStateRow } from './haproxy-output';
import { checkAddress, checkHost, checkName, checkPath } from './proxy-names';

/** HAProxy's answer when a command names a server or backend it does not hold. */
export const NOT_FOUND_ANSWERS = ['No such server.', 'No such backend.', "Can't find backend.", 'No such proxy.'];
/** The most an answer may take: `show stat` of a few hundred servers fits many times over. */
const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

/**
 * A client of HAProxy's Runtime API on its unix socket: one command per connection, the answer
 * read until HAProxy closes it. Every argument is checked by `proxy-names.ts` before it is put on
 * the command line, so no caller's text can add a command (`;`, newline) or an argument (space).
 */
export class HaproxyRuntime {
  constructor(
    private readonly socketPath: string,
    private readonly timeoutMs = 5000,
  ) {
    checkPath(socketPath, 'admin_socket');
  }

  async addServer(backend: string, server: string, address: string): Promise<void> {
    const target = `${checkName(backend, 'backend')}/${checkName(server, 'server')}`;
    await this.expect(`add server ${target} ${checkAddress(address)} ${SERVER_CHECK.join(' ')}`, 'New server registered.');
  }

  /** Runtime-added servers start in maintenance with their check off. */
  async enableServer(backend: string, server: string): Promise<void> {
    const target = `${checkName(backend, 'backend')}/${checkName(server, 'server')}`;
    await this.expect(`enable health ${target}`, '');
    await this.expect(`enable server ${target}`, '');
  }

  async setServerState(backend: string, server: string, state: 'ready' | 'drain' | 'maint'): Promise<void> {
    await this.expect(`set server ${checkName(backend, 'backend')}/${checkName(server, 'server')} state ${state}`, '');
  }

  async shutdownSessions(backend: string, server: string): Promise<void> {
    await this.expect(`shutdown sessions server ${checkName(backend, 'backend')}/${checkName(server, 'server')}`, '');
  }

  async deleteServer(backend: string, server: string): Promise<void> {
    await this.expect(`del server ${checkName(backend, 'backend')}/${checkName(server, 'server')}`, 'Server deleted.');
  }

  /** Sets the host's entry, adding it when missing (`add map` alone would add a duplicate). */
  async setMapEntry(mapPath: string, host: string, backend: string): Promise<void> {
    const args = `${checkPath(mapPath, 'map')} ${checkHost(host)} ${checkName(backend, 'backend')}`;
    const answer = (await this.send(`set map ${args}`)).trim();
    if (answer === 'entry not found.') await this.expect(`add map ${args}`, '');
    else if (answer !== '') throw refused('set map', answer);
  }

  /** Removes the host's entry; a missing one is not an error. */
  async deleteMapEntry(mapPath: string, host: string): Promise<void> {
    const answer = (await this.send(`del map ${checkPath(mapPath, 'map')} ${checkHost(host)}`)).trim();
    if (answer !== '' && answer !== 'Key not found.') throw refused('del map', answer);
  }

  async mapEntries(mapPath: string): Promise<Array<{ key: string; value: string }>> {
    return parseMap(await this.send(`show map ${checkPath(mapPath, 'map')}`));
  }

  async backends(): Promise<string[]> {
    return parseBackends(await this.send('show backend'));
  }

  /** Servers of one backend, or of all when `backend` is omitted. */
  async serversState(backend?: string): Promise<ServerStateRow[]> {
    const answer = await this.send(backend === undefined ? 'show servers state' : `show servers state ${checkName(backend, 'backend')}`);
    if (isNotFound(answer)) return [];
    return parseServersState(answer);
  }

  /** Open sessions per server of `backend` (`show stat` limited to its servers). */
  async sessions(backend: string): Promise<Map<string, number>> {
    const answer = await this.send(`show stat ${checkName(backend, 'backend')} 4 -1`);
    if (isNotFound(answer)) return new Map();
    return sessionsByServer(parseStat(answer), backend);
  }

  /** Pid of the worker answering: it changes when a reload has taken. */
  async workerPid(): Promise<number> {
    return Number(parseInfo(await this.send('show info')).get('Pid'));
  }

  private async expect(command: string, success: string): Promise<void> {
    const answer = (await this.send(command)).trim();
    if (answer !== success) throw refused(command.split(' ').slice(0, 2).join(' '), answer);
  }

  /**
   * Sends one checked command line and resolves with the whole answer. A `payload` (a certificate
   * for `set ssl cert`) follows the line as `<<` text, which HAProxy ends at the first empty line.
   */
  send(command: string, payload?: string): Promise<string> {
    if (/[\r\n;]/.test(command)) return Promise.reject(new ProxyError('proxy_error', 'a Runtime API command must be one line without ";"'));
    if (payload !== undefined && (/\r|\n\s*\n|^\s*$/.test(payload) || payload.endsWith('\n'))) {
      return Promise.reject(new ProxyError('proxy_error', 'a Runtime API payload must be lines without an empty one and without a final newline'));
    }
    const text = payload === undefined ? `${command}\n` : `${command} <<\n${payload}\n\n`;
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const socket = createConnection({ path: this.socketPath });
      socket.setTimeout(this.timeoutMs, () => socket.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      // Not end(): HAProxy treats a half-closed connection as gone and may drop the answer.
      socket.on('connect', () => socket.write(text));
      socket.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) socket.destroy(new Error(`answer larger than ${MAX_ANSWER_BYTES} bytes`));
        else chunks.push(chunk);
      });
      socket.on('error', (err) => reject(new UnavailableError('proxy', `HAProxy's Runtime API at ${this.socketPath} does not answer: ${err.message}`)));
      socket.on('close', (hadError) => {
        if (!hadError) resolve(Buffer.concat(chunks).toString('utf8'));
      });
    });
  }
}

export function isNotFound(answer: string): boolean {
  return NOT_FOUND_ANSWERS.includes(answer.trim());
}

function refused(command: string, answer: string): ProxyError {
  return new ProxyError('proxy_error', `HAProxy refused "${command}": ${answer.slice(0, 200) || '(no answer)'}`, { command, answer: answer.slice(0, 500) });
}
