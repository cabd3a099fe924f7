import type { ContainerRegistry } from '../container-registry.port';

/** The record of the containers Berth created, in memory, for unit tests. */
export class MemoryContainerRegistry implements ContainerRegistry {
  readonly ids = new Set<string>();

  async add(id: string): Promise<void> {
    this.ids.add(id);
  }

  async recorded(ids: readonly string[]): Promise<Set<string>> {
    return new Set(ids.filter((id) => this.ids.has(id)));
  }

  async remove(id: string): Promise<void> {
    this.ids.delete(id);
  }
}
