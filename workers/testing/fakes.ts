import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import type { Job } from 'bullmq';
import winston from 'winston';
import type { BuildEngine, ImageBuildSpec } from '../../src/engine/engine.port';
import type { ChangedFilesRequest, CloneRequest, GitClient } from '../../src/git/git.port';
import { testSettings } from '../../buildpacks/testing/settings';
import type { SecretBox } from '../../src/builds/secret-box';
import type { BuildProcessorOptions } from '../build.processor';

/** Rejects with the signal's reason once it aborts, as the real adapters do. */
function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason as Error);
    signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
  });
}

/** A git remote in memory: every clone writes `files` (and `symlinks`) into the checkout. */
export class FakeGitClient implements GitClient {
  readonly requests: CloneRequest[] = [];
  files: Record<string, string> = { Dockerfile: 'FROM alpine\n' };
  /** Symlinks to create in the checkout: path → target. */
  symlinks: Record<string, string> = {};
  commit = 'c0ffee0123456789abcdef0123456789abcdef01';
  /** Errors the next clones throw, in order. */
  failures: unknown[] = [];
  /** Clones that never end until their signal aborts. */
  hang = false;

  async clone(request: CloneRequest): Promise<{ commit: string }> {
    this.requests.push(request);
    if (request.signal.aborted) throw request.signal.reason;
    if (this.failures.length > 0) throw this.failures.shift();
    if (this.hang) await untilAborted(request.signal);
    for (const [path, content] of Object.entries(this.files)) {
      await mkdir(dirname(join(request.dir, path)), { recursive: true });
      await writeFile(join(request.dir, path), content);
    }
    for (const [path, target] of Object.entries(this.symlinks)) {
      await mkdir(dirname(join(request.dir, path)), { recursive: true });
      await symlink(target, join(request.dir, path));
    }
    return { commit: this.commit };
  }

  /** Builds never list changed files. */
  changedFiles(_request: ChangedFilesRequest): Promise<string[]> {
    return Promise.reject(new Error('FakeGitClient.changedFiles is not used by builds'));
  }
}

/** What the fake engine was asked to build, with the Dockerfile it found in the context. */
export interface FakeBuild {
  spec: ImageBuildSpec;
  dockerfileText: string | undefined;
}

/**
 * A build engine in memory: builds record what they were asked, tags point at image ids, and
 * removing a tag drops the image once no tag is left.
 */
export class FakeBuildEngine implements BuildEngine {
  readonly builds: FakeBuild[] = [];
  /** Tag → image id, as the engine would answer. */
  readonly tags = new Map<string, string>();
  /** Tags removed, in order. */
  readonly removed: string[] = [];
  /** Lines every build prints. */
  output: string[] = ['Step 1/1 : FROM alpine', ' ---> 05455a08881e'];
  /** Errors the next builds throw after printing their output, in order. */
  failures: unknown[] = [];
  /** Errors the next tag operations throw, in order. */
  tagFailures: unknown[] = [];
  /** Builds that never end until their signal aborts. */
  hang = false;
  /** Runs when a build starts, before any output. */
  onBuild: ((spec: ImageBuildSpec) => Promise<void> | void) | undefined;

  async buildImage(spec: ImageBuildSpec, onLine: (line: string) => void, signal: AbortSignal): Promise<{ imageId: string }> {
    const dockerfileText = await readFile(join(spec.contextDir, spec.dockerfile), 'utf8').catch(() => undefined);
    this.builds.push({ spec: structuredClone(spec), dockerfileText });
    if (signal.aborted) throw signal.reason;
    await this.onBuild?.(spec);
    for (const line of this.output) onLine(line);
    if (this.failures.length > 0) throw this.failures.shift();
    if (this.hang) await untilAborted(signal);
    const imageId = `sha256:${String(this.builds.length).padStart(64, '0')}`;
    this.tags.set(spec.tag, imageId);
    return { imageId };
  }

  async tagImage(id: string, tag: string): Promise<void> {
    if (this.tagFailures.length > 0) throw this.tagFailures.shift();
    this.tags.set(tag, id);
  }

  async removeImage(ref: string): Promise<void> {
    this.removed.push(ref);
    this.tags.delete(ref);
  }

  /** Image ids that still carry a tag. */
  images(): string[] {
    return [...new Set(this.tags.values())];
  }
}

/** The fields of a BullMQ job the build processor reads. */
export function fakeJob(data: unknown, attempt: { attemptsMade?: number; attempts?: number } = {}): Job & { movedToWait: string[] } {
  const movedToWait: string[] = [];
  const job: Pick<Job, 'data' | 'attemptsMade' | 'opts' | 'moveToWait'> & { movedToWait: string[] } = {
    data,
    attemptsMade: attempt.attemptsMade ?? 0,
    opts: { attempts: attempt.attempts ?? 3 },
    moveToWait: async (token?: string) => {
      movedToWait.push(token ?? '');
      return 0;
    },
    movedToWait,
  };
  return job as Job & { movedToWait: string[] };
}

/** A logger whose every entry is kept as a JSON line. */
export function capturingLogger(): { logger: winston.Logger; entries: string[] } {
  const entries: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      entries.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = winston.createLogger({ level: 'debug', format: winston.format.json(), transports: [new winston.transports.Stream({ stream: sink })] });
  return { logger, entries };
}

/** Processor options for unit tests: a public git host that resolves to a public address, small limits. */
export function testProcessorOptions(secretBox: SecretBox): BuildProcessorOptions {
  return {
    instance: 'test-instance',
    timeoutMs: 10_000,
    cloneTimeoutMs: 2_000,
    allowFileUrls: false,
    allowedHosts: ['git.example.test'],
    hostResolver: { resolve: async () => ['93.184.216.34'] },
    maxCheckoutBytes: 1024 * 1024,
    secretBox,
    hostCredentials: {},
    buildpacks: testSettings(),
    cancelPollMs: 10,
  };
}
