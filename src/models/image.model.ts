export interface ImageSummaryView {
  /** `sha256:...` */
  id: string;
  /** Tags in Docker's short form (`app:1`, not `docker.io/library/app:1`); empty when dangling. */
  tags: string[];
  created: string;
  /** Bytes. */
  size: number;
  labels: { [key: string]: string };
  /** The build that made the image, when this Berth built it. */
  build_id?: string;
}

export interface ImageList {
  images: ImageSummaryView[];
}

/** One image: its summary, plus where Berth built it from. */
export interface ImageView extends ImageSummaryView {
  /** Git repository the image was built from. */
  repo?: string;
  /** Commit the image was built from. */
  commit?: string;
  /** True when this Berth built or pulled the image. */
  managed: boolean;
  /** True when this Berth pulled the image. */
  pulled?: boolean;
  /** Repository digests (`registry.lan:5000/team/app@sha256:...`): where the image is known by its manifest. */
  repo_digests?: string[];
  /** Layers, oldest first: uncompressed digest, and bytes when the history says (absent when it cannot be told). */
  layers?: Array<{ digest: string; size?: number }>;
  /** The steps that made the image, oldest first. */
  history?: Array<{ created?: string; created_by: string; size: number; comment?: string }>;
  /** What a container of the image runs with. */
  config?: {
    env: string[];
    cmd?: string[];
    entrypoint?: string[];
    workdir?: string;
    /** `8080/tcp`... */
    exposed_ports: string[];
    labels: { [key: string]: string };
  };
}
