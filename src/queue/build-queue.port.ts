/** The API's side of the build queue. */
export interface BuildQueue {
  /**
   * Queues the build; queueing an id that is already queued or running does nothing. A finished
   * job left under the id (BullMQ keeps failed ones) is replaced: the id may be built again.
   */
  enqueue(buildId: string): Promise<void>;
  /** Removes the job of a build that ended, whatever its state; false while a worker still has it. */
  forget(buildId: string): Promise<boolean>;
  /** Takes a build off the queue if no worker has it yet; true when removed. */
  removeIfWaiting(buildId: string): Promise<boolean>;
  close(): Promise<void>;
}
