import type { LoggedRecordStore } from '../services/log-follow';

export type ImageOperationKind = 'pull' | 'push';
export type ImageOperationStatus = 'running' | 'succeeded' | 'failed';

/** A pull or push: what it moves, how it ended. Its progress is its log. */
export interface ImageOperationRecord {
  id: string;
  kind: ImageOperationKind;
  /** The reference pulled, or the local tag pushed. */
  image: string;
  /** The registry host the operation talks to. */
  registry: string;
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
  status: 'succeeded' | 'failed';
  finishedAt: string;
  imageId?: string;
  digest?: string;
  error?: ImageOperationRecord['error'];
}

/** Where operations and their progress logs live. Every method may throw UnavailableError('redis'). */
export interface ImageOperationStore extends LoggedRecordStore<ImageOperationRecord> {
  create(record: ImageOperationRecord): Promise<void>;
  /** Ends a running operation; its record and log then expire after the retention time. */
  finish(id: string, end: ImageOperationEnd): Promise<void>;
  /** Appends lines up to the byte cap; true once nothing more is taken (same contract as a build log). */
  appendLog(id: string, lines: Array<{ time: string; text: string }>): Promise<boolean>;
}

/** The images this Berth pulled, by image id: they are Berth's like the ones it built. */
export interface PulledImages {
  add(imageId: string, ref: string): Promise<void>;
  has(imageId: string): Promise<boolean>;
  ids(): Promise<string[]>;
}
