import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/**
 * An sshd of the test's own on 127.0.0.1: its own config, host key, pidfile and port, and one
 * client key in its authorized_keys allowed nothing but forwarding (to reach an engine socket).
 */
export interface TestSshd {
  port: number;
  user: string;
  /** The client's private key file (OpenSSH format, no passphrase). */
  keyFile: string;
  /** A known_hosts file listing this sshd's host key as `[127.0.0.1]:PORT`. */
  knownHostsFile: string;
  stop(): Promise<void>;
}

export async function startSshd(port: number): Promise<TestSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-sshd-'));
  const p = (name: string) => join(dir, name);
  const keygen = (file: string, comment: string) => execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
  keygen(p('host_key'), 'berth-test-host');
  keygen(p('client_key'), 'berth-test-client');
  writeFileSync(p('authorized_keys'), `restrict,port-forwarding ${readFileSync(p('client_key.pub'), 'utf8')}`);
  const hostKey = readFileSync(p('host_key.pub'), 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  writeFileSync(p('known_hosts'), `[127.0.0.1]:${port} ${hostKey}\n`);
  const user = userInfo().username;
  writeFileSync(
    p('sshd_config'),
    [
      `ListenAddress 127.0.0.1:${port}`,
      `HostKey ${p('host_key')}`,
      `PidFile ${p('sshd.pid')}`,
      `AuthorizedKeysFile ${p('authorized_keys')}`,
      // The key file sits under /tmp, which is world-writable: StrictModes would refuse it.
      'StrictModes no',
      'UsePAM no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      `AllowUsers ${user}`,
      'AllowStreamLocalForwarding local',
      // OpenSSH 9.2 denies stream forwarding when TCP forwarding is off (`no`, or `PermitOpen none`).
      'AllowTcpForwarding local',
      'X11Forwarding no',
      'PermitTTY no',
      'LogLevel ERROR',
      '',
    ].join('\n'),
  );
  // sshd refuses to start without its privilege separation directory.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', p('sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  child.on('error', (err) => (stderr += `sshd could not be started (scripts/setup.sh installs openssh-server): ${err.message}`));
  await waitListening(port, child, () => stderr);
  return {
    port,
    user,
    keyFile: p('client_key'),
    knownHostsFile: p('known_hosts'),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitListening(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  for (let i = 0; i < 100; i += 1) {
    if (child.exitCode !== null) throw new Error(`sshd exited (${child.exitCode}): ${stderr()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`sshd did not listen on 127.0.0.1:${port}: ${stderr()}`);
}
