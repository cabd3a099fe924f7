/** The API's side of the build queue. */
export interface BuildQueue {
  /** Queues the build; queueing an id that is already queued does nothing. */
  enqueue(buildId: string): Promise<void>;
  /** Takes a build off the queue if no worker has it yet; true when removed. */
  removeIfWaiting(buildId: string): Promise<boolean>;
  close(): Promise<void>;
}
