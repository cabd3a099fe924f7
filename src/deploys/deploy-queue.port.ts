/** Where deployments wait for a deploy worker (BullMQ; job id = deployment id). */
export interface DeployQueue {
  enqueue(deploymentId: string): Promise<void>;
  /** Removes the job if no worker holds it; true if removed. */
  removeIfWaiting(deploymentId: string): Promise<boolean>;
  close(): Promise<void>;
}
