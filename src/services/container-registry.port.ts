/**
 * Berth's own record of the containers it created through the API. Ownership comes from here,
 * not from labels: labels can be written by anyone with the engine, and an image's labels are
 * merged into every container made from it.
 */
export interface ContainerRegistry {
  add(id: string): Promise<void>;
  /** The ids among `ids` that Berth created. */
  recorded(ids: readonly string[]): Promise<Set<string>>;
  remove(id: string): Promise<void>;
}
