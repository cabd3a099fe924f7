import { ProxyError } from '../errors';
import type { ServerStatus } from './proxy.port';

/** Pure parsers of HAProxy 2.6 Runtime API answers. Columns are found by header name, not position. */

/** One row of `show servers state`, before it is joined with `show stat`. */
export interface ServerStateRow {
  backend: string;
  name: string;
  address: string;
  health: ServerStatus['health'];
  admin: ServerStatus['admin'];
}

/** `srv_op_state`: SRV_ST_STOPPED, STARTING, RUNNING, STOPPING. */
const HEALTH: Record<string, ServerStatus['health']> = { '0': 'down', '1': 'starting', '2': 'up', '3': 'stopping' };
/** `srv_admin_state` bits: forced, inherited, config and resolver maintenance; forced and inherited drain. */
const MAINT_BITS = 0x01 | 0x02 | 0x04 | 0x20 | 0x40;
const DRAIN_BITS = 0x08 | 0x10;

function unexpected(what: string, answer: string): ProxyError {
  return new ProxyError('proxy_error', `HAProxy answered "${what}" with something Berth cannot read`, { answer: answer.slice(0, 500) });
}

/** Header names → column index, from a `# a b c` (space) or `# a,b,c` (CSV) line. */
function columns(header: string, separator: string): Map<string, number> {
  const names = header.replace(/^#\s*/, '').split(separator);
  return new Map(names.map((n, i) => [n.trim(), i]));
}

function cell(row: string[], index: Map<string, number>, name: string): string {
  const i = index.get(name);
  return i === undefined ? '' : (row[i] ?? '');
}

/** `show servers state [backend]`: a version line "1", a header, one line per server. */
export function parseServersState(answer: string): ServerStateRow[] {
  const lines = answer.split('\n').filter((l) => l.trim() !== '');
  const headerAt = lines.findIndex((l) => l.startsWith('# be_id'));
  if (lines[0]?.trim() !== '1' || headerAt !== 1) throw unexpected('show servers state', answer);
  const index = columns(lines[1] ?? '', ' ');
  return lines.slice(2).map((line) => {
    const row = line.trim().split(/\s+/);
    const admin = Number(cell(row, index, 'srv_admin_state'));
    const weight = Number(cell(row, index, 'srv_uweight'));
    return {
      backend: cell(row, index, 'be_name'),
      name: cell(row, index, 'srv_name'),
      address: `${cell(row, index, 'srv_addr')}:${cell(row, index, 'srv_port')}`,
      health: HEALTH[cell(row, index, 'srv_op_state')] ?? 'down',
      // A server written into the configuration with weight 0 is one that was draining.
      admin: admin & MAINT_BITS ? 'maint' : admin & DRAIN_BITS || weight === 0 ? 'drain' : 'ready',
    };
  });
}

/** `show stat` (CSV): one record per proxy or server, keyed by the header's column names. */
export function parseStat(answer: string): Array<Record<string, string>> {
  const lines = answer.split('\n').filter((l) => l.trim() !== '');
  if (!lines[0]?.startsWith('# pxname,svname,')) throw unexpected('show stat', answer);
  const names = lines[0].replace(/^#\s*/, '').split(',');
  return lines.slice(1).map((line) => {
    const values = line.split(',');
    const record: Record<string, string> = {};
    names.forEach((name, i) => {
      if (name !== '' && name !== '-') record[name] = values[i] ?? '';
    });
    return record;
  });
}

/** Open sessions per server of `backend`, from `show stat` records. */
export function sessionsByServer(records: Array<Record<string, string>>, backend: string): Map<string, number> {
  const sessions = new Map<string, number>();
  for (const r of records) {
    if (r.pxname !== backend || r.svname === 'BACKEND' || r.svname === 'FRONTEND' || r.svname === undefined) continue;
    sessions.set(r.svname, Number(r.scur) || 0);
  }
  return sessions;
}

/** `show map <file>`: "<ref> <key> <value>" per entry. */
export function parseMap(answer: string): Array<{ key: string; value: string }> {
  const lines = answer.split('\n').filter((l) => l.trim() !== '');
  return lines.map((line) => {
    const match = /^0x[0-9a-f]+ (\S+) (\S+)$/.exec(line.trim());
    if (!match) throw unexpected('show map', answer);
    return { key: match[1] ?? '', value: match[2] ?? '' };
  });
}

/** `show backend`: a "# name" header, one backend name per line. */
export function parseBackends(answer: string): string[] {
  const lines = answer.split('\n').filter((l) => l.trim() !== '');
  if (lines[0]?.trim() !== '# name') throw unexpected('show backend', answer);
  return lines.slice(1).map((l) => l.trim());
}

/** `show info`: "Name: value" lines. */
export function parseInfo(answer: string): Map<string, string> {
  const info = new Map<string, string>();
  for (const line of answer.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) info.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  if (!info.has('Pid')) throw unexpected('show info', answer);
  return info;
}
