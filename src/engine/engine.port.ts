import type { Readable } from 'node:stream';

/** A port publication: container port/protocol to a host address and port. */
export interface PortBinding {
  containerPort: number;
  protocol: 'tcp' | 'udp' | 'sctp';
  hostIp?: string;
  hostPort?: number;
}

export type RestartPolicyName = 'no' | 'always' | 'unless-stopped' | 'on-failure';

/** Everything needed to create a container, already validated. */
export interface ContainerSpec {
  image: string;
  name?: string;
  command?: string[];
  env: Record<string, string>;
  labels: Record<string, string>;
  ports: PortBinding[];
  restartPolicy: { name: RestartPolicyName; maximumRetryCount?: number };
  memoryBytes?: number;
  nanoCpus?: number;
  /** Runs a small init as PID 1: it forwards SIGTERM to a process that ignores it (busybox httpd) and reaps zombies. */
  init?: boolean;
  /** Named volumes (made by `ensureVolume`, else by the engine without labels) mounted at paths. */
  mounts?: Array<{ volume: string; path: string }>;
}

export interface ContainerSummary {
  id: string;
  name: string;
  image: string;
  state: string;
  status: string;
  created: string;
  labels: Record<string, string>;
  ports: PortBinding[];
}

export interface ContainerDetails {
  id: string;
  name: string;
  image: string;
  imageId: string;
  command: string[];
  state: {
    status: string;
    running: boolean;
    exitCode: number;
    startedAt?: string;
    finishedAt?: string;
    error?: string;
  };
  created: string;
  restartCount: number;
  restartPolicy: string;
  envNames: string[];
  labels: Record<string, string>;
  ports: PortBinding[];
  tty: boolean;
}

export interface LogOptions {
  follow: boolean;
  tail?: number;
  since?: number;
  timestamps: boolean;
}

/** One line of container output. */
export interface LogLine {
  stream: 'stdout' | 'stderr';
  text: string;
}

/** Lines of output; `close()` stops reading early (a client that left). */
export interface LogStream extends AsyncIterable<LogLine> {
  close(): void;
}

export interface EngineVersion {
  engine: 'docker' | 'podman';
  version: string;
  apiVersion: string;
  os: string;
  arch: string;
  kernelVersion?: string;
}

export interface EngineCounts {
  containers: number;
  running: number;
  paused: number;
  stopped: number;
  images: number;
}

/** One image build through the engine's (legacy) builder. */
export interface ImageBuildSpec {
  /** Directory on this host sent as the build context. */
  contextDir: string;
  /** Dockerfile path relative to the context. */
  dockerfile: string;
  /** Other paths (relative to the context) sent whatever `.dockerignore` says: files Berth generated. */
  alwaysSend?: string[];
  tag: string;
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  noCache: boolean;
  target?: string;
  memoryBytes?: number;
  nanoCpus?: number;
  /** Most processes (and threads) the build's RUN steps may run at once; none when absent. */
  pidsLimit?: number;
  /** `none`: RUN steps get no network but loopback. Default `default`: the engine's usual one. */
  network?: 'default' | 'none';
}

export interface ImageDetails {
  id: string;
  tags: string[];
  labels: Record<string, string>;
  created: string;
  size: number;
  /** TCP ports the image declares with EXPOSE (inspect only; lists leave it out). */
  exposedPorts?: number[];
}

/**
 * The container engine as Berth sees it. Implementations turn engine errors into
 * the project's errors (NotFoundError, ConflictError, UnavailableError, EngineError).
 */
export interface ContainerEngine {
  ping(): Promise<void>;
  version(): Promise<EngineVersion>;
  counts(): Promise<EngineCounts>;
  listContainers(options: { all: boolean; labels: string[] }): Promise<ContainerSummary[]>;
  /** Accepts a full id, a unique id prefix or a name. */
  inspectContainer(ref: string): Promise<ContainerDetails>;
  createContainer(spec: ContainerSpec): Promise<{ id: string; name: string }>;
  startContainer(id: string): Promise<void>;
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  restartContainer(id: string, timeoutSeconds: number): Promise<void>;
  removeContainer(id: string, options: { force: boolean }): Promise<void>;
  /** Output of a container; the stream ends with the container (follow) or at once. */
  containerLogs(id: string, options: LogOptions): Promise<LogStream>;
  /**
   * Builds an image, reporting each output line. Resolves with the image id; rejects with
   * BuildFailedError when the build fails, and stops the build when `signal` aborts. `onLine`
   * returns false when it wants no more lines (a full log): the build goes on without them.
   */
  buildImage(spec: ImageBuildSpec, onLine: (line: string) => boolean | void, signal: AbortSignal): Promise<{ imageId: string }>;
  /** Accepts a tag (`app:1`, `app` meaning `app:latest`), a digest reference, an id or an id prefix. */
  inspectImage(ref: string): Promise<ImageDetails>;
  /**
   * Removes the tag `ref` names (the image goes with its last tag), or the image `ref` identifies.
   * Rejects with ConflictError `state_conflict` when a container uses it, or when an id names an
   * image with several tags. `force` then removes the tags instead (all of them for an id) and
   * keeps the image, untagged, for the containers that use it: containers are never removed.
   */
  removeImage(ref: string, options: { force: boolean }): Promise<void>;
}

/** Named volumes: data that outlives the containers that mount it. */
export interface VolumeEngine {
  /** Creates the volume with `labels`, or leaves the existing one as it is (labels included). */
  ensureVolume(name: string, labels: Record<string, string>): Promise<void>;
}

/** Removing a named volume (deleting an app with its data). */
export interface VolumeRemoval {
  /** Removes the volume; a missing one is not an error. */
  removeVolume(name: string): Promise<void>;
}

/** What a build worker asks of the engine: build, tag once the build is won, remove what it lost. */
export interface BuildEngine extends Pick<ContainerEngine, 'buildImage' | 'removeImage'> {
  /** Points `tag` (`app:1`, `app` meaning `app:latest`) at the image `id`, moving it from any other image. */
  tagImage(id: string, tag: string): Promise<void>;
}

/** The engine's image store, all that the image routes need. */
export interface ImageEngine extends Pick<ContainerEngine, 'inspectImage' | 'removeImage'> {
  /** Layers, history, config and repo digests of the image `ref` names. */
  composeImage(ref: string): Promise<ImageComposition>;
  /**
   * Top-level images (no build intermediates) carrying every label filter (`key` or
   * `key=value`), dangling ones included.
   */
  listImages(options: { labels: string[] }): Promise<ImageDetails[]>;
}

/** What an import or a commit sets in the image's config; already checked (see `src/images/image-changes.ts`). */
export interface ImageConfigChanges {
  cmd?: string[];
  env?: Record<string, string>;
  workdir?: string;
  /** `port/tcp` or `port/udp`. */
  expose?: string[];
  labels?: Record<string, string>;
}

/** An image made from an uploaded root filesystem. */
export interface ImageImportSpec {
  tag: string;
  changes: ImageConfigChanges;
  message?: string;
}

/** An image made from a container's file system. */
export interface ImageCommitSpec extends ImageImportSpec {
  /** Pause the container while its file system is copied. */
  pause: boolean;
}

/** Images from a root filesystem or a container: `POST /api/v1/images/import` and `/containers/{id}/commit`. */
export interface ImageImportEngine extends Pick<ContainerEngine, 'inspectImage' | 'inspectContainer'> {
  /**
   * Imports the plain tar `tar` as `spec.tag`; resolves with the image id. Stops when `signal`
   * aborts (an upload that failed half-way), leaving no tagged image.
   */
  importImage(tar: Readable, spec: ImageImportSpec, signal: AbortSignal): Promise<{ imageId: string }>;
  /** Commits the container `id` as `spec.tag`; resolves with the image id. */
  commitContainer(id: string, spec: ImageCommitSpec): Promise<{ imageId: string }>;
}

/** Credentials for one registry, as the engine's `X-Registry-Auth` takes them. */
export interface RegistryAuth {
  serveraddress: string;
  username?: string;
  password?: string;
  /** An identity token instead of a user name and password. */
  identitytoken?: string;
}

/** What builds send for their FROM images: auth by registry address, and the registries marked `insecure`. */
export interface BuildRegistries {
  auth: Record<string, RegistryAuth>;
  /** By lower-case host: how to pull a FROM image of that plain-HTTP registry before the build (Podman). */
  insecure: Record<string, TransferOptions>;
}

export interface TransferOptions {
  auth?: RegistryAuth;
  /** Plain HTTP or an unverified certificate (Podman's `tlsVerify=false`; Docker decides by itself). */
  insecure?: boolean;
  /** `os/arch[/variant]` of a pull. */
  platform?: string;
}

/** One progress message of a pull or push: a layer's status, with its bytes when moving. */
export interface TransferEvent {
  /** The layer (short id), absent for the image-wide messages. */
  layer?: string;
  status: string;
  current?: number;
  total?: number;
}

/** What an image is made of: inspect beyond the summary. */
export interface ImageComposition {
  /** Uncompressed layer digests (RootFS), oldest first, with the size of the history step that made each when known. */
  layers: Array<{ digest: string; size?: number }>;
  history: Array<{ created?: string; created_by: string; size: number; comment?: string }>;
  config: {
    env: string[];
    cmd?: string[];
    entrypoint?: string[];
    workdir?: string;
    exposed_ports: string[];
    labels: Record<string, string>;
  };
  repoDigests: string[];
}

/** Moving images between the engine and registries. Registry failures reject with RegistryError. */
export interface ImageTransferEngine extends Pick<ContainerEngine, 'inspectImage'> {
  /** Pulls `ref` (a tag or a digest reference); resolves with the pulled image's id. */
  pullImage(ref: string, options: TransferOptions, onEvent: (event: TransferEvent) => void, signal: AbortSignal): Promise<{ imageId: string }>;
  /** Pushes the local tag `ref`; resolves with the manifest digest the registry reported. */
  pushImage(ref: string, options: TransferOptions, onEvent: (event: TransferEvent) => void, signal: AbortSignal): Promise<{ digest?: string }>;
  /** Points `tag` at the image `ref` names. */
  tagImage(ref: string, tag: string): Promise<void>;
}

/** A one-shot run's container, already validated: always removed by Berth once it ends. */
export interface RunContainerSpec {
  image: string;
  command: string[];
  env: Record<string, string>;
  labels: Record<string, string>;
  memoryBytes?: number;
  nanoCpus?: number;
  pidsLimit: number;
  network: 'none' | 'bridge';
  /** Linux capabilities kept (all others dropped); none by default. */
  capAdd: string[];
  /** Written to the process's stdin, which is then closed; absent: stdin is empty. */
  stdin?: string;
  /** Host folders mounted in the container, `host:container[:ro]` (jobs); none by default. */
  binds?: string[];
  /** The process's working directory; the image's by default. */
  workingDir?: string;
}

/** How a run's container ended. */
export interface RunOutcome {
  exitCode: number;
  oomKilled: boolean;
  /** True when output past `maxOutputBytes` was read but not decoded into lines. */
  outputCut: boolean;
}

/** What one-shot runs need of the engine. */
export interface RunEngine {
  /** Creates the container (no auto-removal: Berth reads the exit code, then removes it). */
  createRunContainer(spec: RunContainerSpec): Promise<{ id: string }>;
  /**
   * Attaches, writes stdin, starts, and hands every output line to `onLine` until the container
   * ends; resolves with its exit code. `signal` kills the container. At most `maxOutputBytes`
   * of output are decoded; the rest is read and dropped, so a noisy command cannot bloat Berth.
   */
  runContainer(id: string, stdin: string | undefined, onLine: (line: LogLine) => void, options: { signal: AbortSignal; maxOutputBytes: number }): Promise<RunOutcome>;
  removeContainer(id: string, options: { force: boolean }): Promise<void>;
  listContainers(options: { all: boolean; labels: string[] }): Promise<Array<Pick<ContainerSummary, 'id' | 'labels'>>>;
  inspectImage(ref: string): Promise<ImageDetails>;
}
