/** The image an import or a commit made. */
export interface CreatedImage {
  /** `sha256:...` */
  id: string;
  /** Tags in Docker's short form (`app:1`). */
  tags: string[];
  /** Bytes. */
  size: number;
  created: string;
  labels: { [key: string]: string };
}

/** What a commit sets in the new image's config, as Dockerfile instructions would. */
export interface ImageChangesBody {
  /** The command, as an array (`["sh", "-c", "echo hi"]`): never run through a shell unless you say `sh -c`. */
  cmd?: string[];
  /** Environment variables, `NAME: value`; names are letters, digits and `_`. */
  env?: { [name: string]: string };
  /** Absolute working directory. */
  workdir?: string;
  /** Ports: `8080`, `8080/tcp` or `53/udp`. */
  expose?: string[];
  /** Labels; keys under `berth.` are Berth's own and refused. */
  labels?: { [key: string]: string };
}

export interface CommitContainerRequest {
  /** The new image's tag (`name:tag`; `name` means `name:latest`). */
  tag: string;
  changes?: ImageChangesBody;
  /** The commit message, shown as the image's comment. */
  message?: string;
  /** Pause the container while its file system is copied, as Docker does by default. Default true. */
  pause?: boolean;
}
