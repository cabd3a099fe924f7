/** The API's side of the jobs queue (the same contract as the build queue's). */
export interface JobQueue {
  enqueue(jobId: string): Promise<void>;
  /** Removes the queue entry of an ended job; false while a worker still has it. */
  forget(jobId: string): Promise<boolean>;
  /** Takes the job off the queue if no worker has it yet; true when removed. */
  removeIfWaiting(jobId: string): Promise<boolean>;
  close(): Promise<void>;
}
