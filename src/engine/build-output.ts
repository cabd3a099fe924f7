/** One event of the engine's build stream, as Docker or Podman send it. */
export interface RawBuildEvent {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { code?: number; message?: string };
  aux?: { ID?: string };
}

/**
 * Splits build stream events into log lines and spots failures. Both engines report a failed
 * build only as an event (`error`, with `errorDetail.code` on Docker only), never as an HTTP
 * error, so this is where failure is decided.
 */
export class BuildOutputParser {
  private partial = '';
  error: string | undefined;
  imageId: string | undefined;

  /** Feeds one event; returns the complete lines it finished. */
  push(event: RawBuildEvent): string[] {
    if (event.error !== undefined || event.errorDetail?.message !== undefined) {
      this.error = (event.errorDetail?.message ?? event.error ?? 'build failed').trim();
      return [...this.flush(), `ERROR: ${this.error}`];
    }
    if (event.aux?.ID) this.imageId = event.aux.ID;
    const text = event.stream ?? (event.status !== undefined ? `${event.status}\n` : '');
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    return parts.map((line) => line.replace(/\r$/, '')).filter((line) => line.trim() !== '');
  }

  /** The last unfinished line, if any. */
  flush(): string[] {
    const rest = this.partial.trim() === '' ? [] : [this.partial];
    this.partial = '';
    return rest;
  }
}
