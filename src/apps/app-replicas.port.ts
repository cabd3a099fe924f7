import type { AppStatus } from '../models/app.model';
import type { AppRecord } from './app.record';

/** One replica of an app's live release, as the engine reports it. */
export interface AppReplicaState {
  replica: number;
  containerId: string;
  /** The engine's state: `running`, `restarting`, `exited`... */
  state: string;
  restarts: number;
  /** `127.0.0.1:<port>` the proxy reaches it at, while it has one. */
  address?: string;
}

/** What the app views need of the runtime: whether a deployment runs, and the live release's replicas. */
export interface AppReplicaReader {
  /** `status` as `GET .../status` words it; without it the view derives one from the replicas. */
  read(app: AppRecord): Promise<{ deploying: boolean; replicas: AppReplicaState[]; status?: AppStatus }>;
}
