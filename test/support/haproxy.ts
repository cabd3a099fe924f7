import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { HaproxyRuntime } from '../../src/proxy/haproxy-runtime';

/**
 * An HAProxy of the test's own: master-worker in the foreground (a child of the test process, so
 * nothing outlives it), on the test's own configuration, ports and socket.
 */
export class TestHaproxy {
  private constructor(
    private readonly child: ChildProcess,
    private readonly runtime: HaproxyRuntime,
    readonly output: string[],
  ) {}

  /** Starts HAProxy on `configPath` and waits until its Runtime API answers. */
  static async start(configPath: string, socketPath: string): Promise<TestHaproxy> {
    const output: string[] = [];
    const child = spawn('haproxy', ['-W', '-f', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (c: Buffer) => output.push(c.toString()));
    child.stderr?.on('data', (c: Buffer) => output.push(c.toString()));
    const haproxy = new TestHaproxy(child, new HaproxyRuntime(socketPath, 1000), output);
    const deadline = Date.now() + 10_000;
    while (
      !(await haproxy.runtime.workerPid().then(
        () => true,
        () => false,
      ))
    ) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`haproxy did not start: ${output.join('')}`);
      await sleep(50);
    }
    return haproxy;
  }

  get masterPid(): number {
    return this.child.pid ?? 0;
  }

  /** The master's pid as HAProxy wrote it into its pidfile. */
  async pidFromFile(pidPath: string): Promise<number> {
    return Number((await readFile(pidPath, 'utf8')).trim());
  }

  /** SIGKILLs the master and its worker at once, as a crash would. */
  async crash(): Promise<void> {
    const worker = await this.runtime.workerPid().catch(() => 0);
    this.child.kill('SIGKILL');
    if (worker > 0) process.kill(worker, 'SIGKILL');
    await this.exited();
  }

  /** Stops HAProxy (SIGTERM to the master stops its workers), SIGKILL after 5 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exited();
    clearTimeout(timer);
  }

  private exited(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => this.child.once('exit', () => resolve()));
  }
}
