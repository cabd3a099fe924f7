import type { LoggedRecordStore } from '../services/log-follow';

export type ImageOperationKind = 'pull' | 'push';
/**
 * `cancelled`: stopped by `POST .../cancel`. `lost`: the API process that ran it stopped (or was
 * restarted) before it ended; nothing resumes it, it can be submitted again.
 */
export type ImageOperationStatus = 'running' | 'succeeded' | 'failed' | 'cancelled' | 'lost';

/** A pull or push: what it moves, how it ended. Its progress is its log. */
export interface ImageOperationRecord {
  id: string;
  kind: ImageOperationKind;
  /** The reference pulled, or the local tag pushed. */
  image: string;
  /** The registry host the operation talks to. */
  registry: string;
  /** The node whose engine runs it; absent on records made before there were nodes (`local`). */
  node?: string;
  platform?: string;
  status: ImageOperationStatus;
  createdAt: string;
  finishedAt?: string;
  /** The local image (pull: the one pulled; push: the one pushed). */
  imageId?: string;
  /** Manifest digest: reported by the registry (push), or the pulled image's repo digest. */
  digest?: string;
  error?: { code: string; message: string; details?: Record<string, unknown> };
  logTruncated: boolean;
}

export interface ImageOperationEnd {
  status: Exclude<ImageOperationStatus, 'running'>;
  finishedAt: string;
  imageId?: string;
  digest?: string;
  error?: ImageOperationRecord['error'];
}

/** Where operations and their progress logs live. Every method may throw UnavailableError('redis'). */
export interface ImageOperationStore extends LoggedRecordStore<ImageOperationRecord> {
  create(record: ImageOperationRecord): Promise<void>;
  /** Ends a running operation (an ended one stays as it ended); its record and log then expire after the retention time. */
  finish(id: string, end: ImageOperationEnd): Promise<void>;
  /** The ids of the operations created and not yet ended (by any process of this instance). */
  unfinished(): Promise<string[]>;
  /** Appends lines up to the byte cap; true once nothing more is taken (same contract as a build log). */
  appendLog(id: string, lines: Array<{ time: string; text: string }>): Promise<boolean>;
}

/** The images this Berth pulled, by image id: they are Berth's like the ones it built. */
export interface PulledImages {
  add(imageId: string, ref: string): Promise<void>;
  has(imageId: string): Promise<boolean>;
  ids(): Promise<string[]>;
}
