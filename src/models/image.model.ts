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
  /** True when this Berth built the image. */
  managed: boolean;
}
