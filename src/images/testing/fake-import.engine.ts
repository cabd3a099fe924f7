import type { Readable } from 'node:stream';
import type { ContainerDetails, ImageCommitSpec, ImageDetails, ImageImportEngine, ImageImportSpec } from '../../engine/engine.port';
import { NotFoundError } from '../../errors';

/** An engine that keeps imported tars and commits in memory, for unit tests. */
export class FakeImportEngine implements ImageImportEngine {
  readonly images = new Map<string, ImageDetails>();
  readonly containers = new Map<string, ContainerDetails>();
  /** The bytes each import read, by tag. */
  readonly imported = new Map<string, Buffer>();
  readonly specs: Array<ImageImportSpec | ImageCommitSpec> = [];
  importCalls = 0;

  async importImage(tar: Readable, spec: ImageImportSpec, signal: AbortSignal): Promise<{ imageId: string }> {
    this.importCalls += 1;
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      signal.addEventListener('abort', () => reject(new Error('aborted')));
      tar.on('data', (c: Buffer) => chunks.push(c));
      tar.on('end', resolve);
      tar.on('error', reject);
    });
    this.imported.set(spec.tag, Buffer.concat(chunks));
    return { imageId: this.add(spec) };
  }

  async commitContainer(id: string, spec: ImageCommitSpec): Promise<{ imageId: string }> {
    if (!this.containers.has(id)) throw new NotFoundError('container', id);
    return { imageId: this.add(spec) };
  }

  async inspectImage(ref: string): Promise<ImageDetails> {
    const image = this.images.get(ref) ?? [...this.images.values()].find((i) => i.tags.includes(ref));
    if (!image) throw new NotFoundError('image', ref);
    return image;
  }

  async inspectContainer(ref: string): Promise<ContainerDetails> {
    const c = this.containers.get(ref);
    if (!c) throw new NotFoundError('container', ref);
    return c;
  }

  private add(spec: ImageImportSpec): string {
    this.specs.push(spec);
    const id = `sha256:${String(this.images.size + 1).padStart(64, '0')}`;
    const labels = { ...spec.changes.labels };
    this.images.set(id, { id, tags: [spec.tag], labels, created: '2026-01-01T00:00:00Z', size: 1 });
    return id;
  }
}
