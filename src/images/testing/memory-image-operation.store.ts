import type { ImageOperationEnd, ImageOperationRecord, ImageOperationStore, PulledImages } from '../image-operation.record';

/** Operations, logs and pulled ids in memory, for unit tests. */
export class MemoryImageOperationStore implements ImageOperationStore, PulledImages {
  readonly records = new Map<string, ImageOperationRecord>();
  readonly lines = new Map<string, Array<{ seq: number; time: string; text: string }>>();
  readonly pulled = new Map<string, string>();

  async create(record: ImageOperationRecord): Promise<void> {
    this.records.set(record.id, { ...record });
  }

  async finish(id: string, end: ImageOperationEnd): Promise<void> {
    const current = this.records.get(id);
    if (current?.status === 'running') this.records.set(id, { ...current, ...end });
  }

  async unfinished(): Promise<string[]> {
    return [...this.records.values()].filter((r) => r.status === 'running').map((r) => r.id);
  }

  async get(id: string): Promise<ImageOperationRecord | undefined> {
    return this.records.get(id);
  }

  async appendLog(id: string, lines: Array<{ time: string; text: string }>): Promise<boolean> {
    const log = this.lines.get(id) ?? [];
    for (const line of lines) log.push({ seq: log.length, ...line });
    this.lines.set(id, log);
    return false;
  }

  async readLog(id: string, fromSeq: number): Promise<Array<{ seq: number; time: string; text: string }>> {
    return (this.lines.get(id) ?? []).slice(fromSeq);
  }

  async add(imageId: string, ref: string): Promise<void> {
    this.pulled.set(imageId, ref);
  }

  async has(imageId: string): Promise<boolean> {
    return this.pulled.has(imageId);
  }

  async ids(): Promise<string[]> {
    return [...this.pulled.keys()];
  }
}
