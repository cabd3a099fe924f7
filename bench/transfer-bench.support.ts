/**
 * What bench/transfers.bench.ts moves: an image archive of random-data layers made by hand (so no
 * layer is shared with any other image on the engine and no build cache keeps a copy), and a
 * `docker-registry` on one fixed 127.0.0.1 port whose storage can be wiped between pushes.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PayloadArchive {
  /** The `docker load` / `podman load` archive. */
  path: string;
  /** The image id once loaded (sha256 of its config): pulls of it answer the same id. */
  imageId: string;
  /** Bytes of the layers, uncompressed (random data: compressed they are the same size). */
  bytes: number;
}

/**
 * Writes a docker-archive of `layers` layers of `layerBytes` random bytes each, tagged `tag`, with
 * `labels` (the bench labels it as built by its Berth, so Berth may push it).
 */
export async function writePayloadArchive(dir: string, tag: string, layers: number, layerBytes: number, labels: Record<string, string>): Promise<PayloadArchive> {
  const files: string[] = [];
  const diffIds: string[] = [];
  let bytes = 0;
  for (let i = 1; i <= layers; i++) {
    const data = join(dir, `data${i}`);
    writeRandom(data, layerBytes);
    files.push(`layer${i}.tar`);
    await run('tar', ['--owner=0', '--group=0', '--numeric-owner', '-cf', join(dir, `layer${i}.tar`), '-C', dir, `data${i}`]);
    rmSync(data);
    diffIds.push(`sha256:${await sha256File(join(dir, `layer${i}.tar`))}`);
    bytes += statSync(join(dir, `layer${i}.tar`)).size;
  }
  const config = JSON.stringify({
    architecture: process.arch === 'arm64' ? 'arm64' : 'amd64',
    os: 'linux',
    created: new Date().toISOString(),
    config: { Labels: labels, Cmd: ['/data1'] },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: diffIds.map(() => ({ created_by: 'berth-bench: random data' })),
  });
  writeFileSync(join(dir, 'config.json'), config);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify([{ Config: 'config.json', RepoTags: [tag], Layers: files }]));
  const path = join(dir, 'image.tar');
  await run('tar', ['-cf', path, '-C', dir, 'manifest.json', 'config.json', ...files]);
  for (const f of files) rmSync(join(dir, f));
  return { path, imageId: `sha256:${createHash('sha256').update(config).digest('hex')}`, bytes };
}

function writeRandom(path: string, size: number): void {
  const chunk = 4 * 1024 * 1024;
  writeFileSync(path, '');
  for (let done = 0; done < size; done += chunk) writeFileSync(path, randomBytes(Math.min(chunk, size - done)), { flag: 'a' });
}

function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (c) => hash.update(c))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/** `docker-registry serve` on `127.0.0.1:port`, plain HTTP, its storage under `dir`. */
export class BenchRegistry {
  private child?: ChildProcess;
  readonly host: string;

  constructor(
    private readonly dir: string,
    port: number,
  ) {
    this.host = `127.0.0.1:${port}`;
  }

  /**
   * (Re)starts it with empty storage: a push then uploads every blob, as to a registry that never
   * saw them (a fresh repository name is not enough: Docker mounts blobs it pushed to another
   * repository of the same registry).
   */
  async restartEmpty(): Promise<void> {
    await this.stop();
    rmSync(join(this.dir, 'data'), { recursive: true, force: true });
    mkdirSync(join(this.dir, 'data'), { recursive: true });
    const lines = [
      'version: 0.1',
      'log:',
      '  level: error',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(this.dir, 'data')}`,
      'http:',
      `  addr: ${this.host}`,
    ];
    writeFileSync(join(this.dir, 'config.yml'), `${lines.join('\n')}\n`);
    const child = spawn('docker-registry', ['serve', join(this.dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.on('error', (err) => (stderr += `docker-registry could not be started (apt-get install docker-registry): ${err.message}`));
    child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
    this.child = child;
    for (let i = 0; i < 100; i++) {
      if (child.exitCode !== null) throw new Error(`docker-registry exited (${child.exitCode}): ${stderr}`);
      const up = await fetch(`http://${this.host}/v2/`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (up) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`docker-registry did not answer on ${this.host}: ${stderr}`);
  }

  /** Bytes in its storage (`du -sb`). */
  async storedBytes(): Promise<number> {
    const { stdout } = await run('du', ['-sb', join(this.dir, 'data')]);
    return Number(stdout.split('\t')[0]);
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.pid === undefined) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}
