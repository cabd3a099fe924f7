import type { Job } from 'bullmq';
import type { ContainerDetails, ContainerSpec, ImageDetails, LogLine } from '../../src/engine/engine.port';
import { NotFoundError } from '../../src/errors';
import type { ReleaseEngine } from '../../src/deploys/release.runner';
import type { BuildBridge, BuildOutcome } from '../build-bridge';
import type { BuildRequest } from '../../src/models/build.model';

/**
 * Containers and images in memory: a started container publishes its port (a new one at each
 * start, as engines may) unless `running` is false; a stopped one keeps existing, without ports.
 */
export class FakeReleaseEngine implements ReleaseEngine {
  readonly containers = new Map<string, { spec: ContainerSpec; details: ContainerDetails }>();
  /** Image reference or id → its id and EXPOSEd ports. */
  readonly images = new Map<string, { id: string; exposedPorts: number[] }>();
  /** Containers created, in order, by name. */
  readonly created: string[] = [];
  /** Running containers stopped, by name, with the seconds they were given. */
  readonly stopped: string[] = [];
  running = true;
  output: LogLine[] = [{ stream: 'stderr', text: 'listening failed' }];
  private next = 0;
  private nextPort = 41000;

  async ensureVolume(): Promise<void> {}
  async createContainer(spec: ContainerSpec): Promise<{ id: string; name: string }> {
    const id = `c${(this.next += 1)}`;
    const state = { status: 'created', running: false, exitCode: 0 };
    const details = { id, name: spec.name ?? id, state, restartCount: 0, ports: [], labels: spec.labels } as unknown as ContainerDetails;
    this.containers.set(id, { spec, details });
    this.created.push(spec.name ?? id);
    return { id, name: spec.name ?? id };
  }
  async startContainer(id: string): Promise<void> {
    const c = this.get(id);
    c.details.state = { status: this.running ? 'running' : 'exited', running: this.running, exitCode: this.running ? 0 : 2 };
    const port = c.spec.ports[0]?.containerPort ?? 0;
    if (this.running) c.details.ports = [{ containerPort: port, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: (this.nextPort += 1) }];
  }
  async inspectContainer(id: string): Promise<ContainerDetails> {
    return this.get(id).details;
  }
  async containerLogs() {
    const lines = this.output;
    return {
      close: () => undefined,
      [Symbol.asyncIterator]: async function* () {
        yield* lines;
      },
    };
  }
  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    const { details } = this.get(id);
    if (!details.state.running) return;
    this.stopped.push(`${details.name} ${timeoutSeconds}`);
    details.state = { status: 'exited', running: false, exitCode: 0 };
    details.ports = [];
  }
  async removeContainer(id: string): Promise<void> {
    this.get(id);
    this.containers.delete(id);
  }
  async listContainers(options: { labels: string[] }) {
    return [...this.containers.values()]
      .filter((c) => options.labels.every((l) => `${l.split('=')[0]}=${c.spec.labels[l.split('=')[0] ?? '']}` === l))
      .map((c) => ({ id: c.details.id })) as never;
  }
  async inspectImage(ref: string): Promise<ImageDetails> {
    const image = this.images.get(ref) ?? [...this.images.values()].find((i) => i.id === ref);
    if (!image) throw new NotFoundError('image', ref);
    return { id: image.id, tags: [], labels: {}, created: '', size: 0, exposedPorts: image.exposedPorts };
  }

  /** Names of the containers that exist now, sorted. */
  names(): string[] {
    return [...this.containers.values()].map((c) => c.details.name).sort();
  }
  /** The spec a container was made from, by name. */
  spec(name: string): ContainerSpec | undefined {
    return [...this.containers.values()].find((c) => c.details.name === name)?.spec;
  }

  private get(id: string) {
    const c = this.containers.get(id);
    if (!c) throw new NotFoundError('container', id);
    return c;
  }
}

/** A build pipeline that ends as told: each run prints `lines` and resolves with `outcome` (or rejects). */
export class FakeBuildBridge implements BuildBridge {
  readonly requests: Array<BuildRequest & { id: string; fromSeq: number }> = [];
  readonly cancelled: string[] = [];
  lines = ['Step 1/1 : FROM berth-test/node:20', 'Successfully built 0123'];
  outcome: BuildOutcome | Error = { imageId: 'sha256:built', commit: 'c0ffee' };
  /** Runs never end until their signal aborts. */
  hang = false;
  /** Runs before a run resolves. */
  onRun: (() => void) | undefined;

  async run(request: BuildRequest & { id: string }, onLine: (text: string) => void, fromSeq: number, signal: AbortSignal): Promise<BuildOutcome> {
    this.requests.push({ ...structuredClone(request), fromSeq });
    for (const line of this.lines.slice(fromSeq)) onLine(line);
    this.onRun?.();
    if (this.hang) {
      await new Promise((_, reject) => {
        if (signal.aborted) reject(signal.reason as Error);
        signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
      });
    }
    signal.throwIfAborted();
    if (this.outcome instanceof Error) throw this.outcome;
    return this.outcome;
  }
  async cancel(buildId: string): Promise<void> {
    this.cancelled.push(buildId);
  }
}

/** The fields of a BullMQ job the deploy processor reads and calls. */
export type FakeDeployJob = Job & { delayedUntil: number[]; movedToWait: string[] };

export function fakeDeployJob(deploymentId: string, attempt: { attemptsMade?: number; attempts?: number } = {}): FakeDeployJob {
  const delayedUntil: number[] = [];
  const movedToWait: string[] = [];
  const job = {
    id: deploymentId,
    data: { deploymentId },
    attemptsMade: attempt.attemptsMade ?? 0,
    opts: { attempts: attempt.attempts ?? 3 },
    moveToDelayed: async (timestamp: number) => void delayedUntil.push(timestamp),
    moveToWait: async (token?: string) => {
      movedToWait.push(token ?? '');
      return 0;
    },
    delayedUntil,
    movedToWait,
  };
  return job as unknown as FakeDeployJob;
}
