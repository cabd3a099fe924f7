/** One event of the engine's build stream, as Docker or Podman send it. */
export interface RawBuildEvent {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { code?: number; message?: string };
  aux?: { ID?: string };
}

/** Longest log line kept, in UTF-8 bytes, the cut marker included. */
export const LINE_MAX_BYTES = 8192;
/** Longest engine event read; both engines send output in chunks far below this. */
export const EVENT_MAX_BYTES = 1024 * 1024;
const CUT_MARK = ' [berth: line cut]';
const SUCCESSFULLY_BUILT = /^Successfully built ([0-9a-f]{12,64})\s*$/;
/** A step line naming a base image: Docker's `Step 1/2 : FROM x`, Podman's `STEP 1/2: FROM x`. */
const FROM_STEP = /^step \d+\/\d+\s?:\s*(from\s+(?:--platform=\S+\s+)?(\S+).*)$/i;
/**
 * How each engine says a FROM image could not be had: Docker's pull errors (no registry, no
 * such repository or tag), Podman's "initializing source docker://..." and its not-found wording.
 */
const PULL_FAILED =
  /pull access denied|manifest unknown|manifest for \S+ not found|repository does not exist|registry-1\.docker\.io|dial tcp|no such host|initializing source|image not known|unable to find image/i;

/** A build that failed because its FROM image is neither local nor pullable. */
export interface MissingBaseImage {
  image: string;
  /** The Dockerfile instruction, as the engine printed it. */
  instruction: string;
}

/** One newline-delimited piece of a byte stream; `cut` when it was longer than the cap. */
export interface SplitLine {
  text: string;
  cut: boolean;
}

/**
 * Splits a byte stream at newlines, holding at most `maxBytes` of the line being read: the rest
 * of a longer line is dropped. Lines are decoded whole, so a character split across chunks stays
 * intact.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private cut = false;

  constructor(private readonly maxBytes: number) {}

  /** Bytes held for the unfinished line (never more than the cap). */
  get pendingBytes(): number {
    return this.size;
  }

  push(chunk: Buffer): SplitLine[] {
    const lines: SplitLine[] = [];
    let start = 0;
    while (start <= chunk.length) {
      const newline = chunk.indexOf(0x0a, start);
      const end = newline === -1 ? chunk.length : newline;
      this.keep(chunk.subarray(start, end));
      if (newline === -1) break;
      lines.push(this.take());
      start = newline + 1;
    }
    return lines;
  }

  /** The last line, when the stream ended without a newline. */
  end(): SplitLine[] {
    return this.size > 0 || this.cut ? [this.take()] : [];
  }

  private keep(piece: Buffer): void {
    const room = this.maxBytes - this.size;
    if (piece.length > room) this.cut = true;
    const kept = piece.subarray(0, Math.max(0, room));
    // A copy: a slice would keep the engine's whole chunk alive.
    if (kept.length > 0) this.parts.push(Buffer.from(kept));
    this.size += kept.length;
  }

  private take(): SplitLine {
    const bytes = Buffer.concat(this.parts, this.size);
    const line = { text: (this.cut ? utf8Prefix(bytes, bytes.length) : bytes.toString('utf8')).replace(/\r$/, ''), cut: this.cut };
    this.parts = [];
    this.size = 0;
    this.cut = false;
    return line;
  }
}

/** Reads one line of the engine's JSON stream; undefined for what is not an event. */
export function parseBuildEvent(line: SplitLine): RawBuildEvent | undefined {
  if (line.cut) {
    // An event over the cap cannot be parsed; a failure must still count as one.
    if (/^\s*\{\s*"(error|errorDetail)"/.test(line.text)) return { error: 'the build failed (the engine sent an error message too long to show)' };
    return { stream: `[berth: an output chunk over ${EVENT_MAX_BYTES} bytes was left out]\n` };
  }
  if (line.text.trim() === '') return undefined;
  try {
    const event: unknown = JSON.parse(line.text);
    return typeof event === 'object' && event !== null && !Array.isArray(event) ? event : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Splits build stream events into log lines and spots failures. Both engines report a failed
 * build only as an event (`error`, with `errorDetail.code` on Docker only), never as an HTTP
 * error, so this is where failure is decided. No line is longer than `lineMaxBytes`; once
 * `silence()` is called, text is no longer split into lines but failures and the image id are
 * still caught.
 */
export class BuildOutputParser {
  private partial = '';
  private skipping = false;
  private silent = false;
  error: string | undefined;
  imageId: string | undefined;
  /** Set when the failure happened at a FROM step and reads as a failed pull. */
  missingBaseImage: MissingBaseImage | undefined;
  private fromStep: MissingBaseImage | undefined;

  constructor(private readonly lineMaxBytes = LINE_MAX_BYTES) {}

  /** Feeds one event; returns the complete lines it finished. */
  push(event: RawBuildEvent): string[] {
    if (event.error !== undefined || event.errorDetail?.message !== undefined) {
      this.error = (event.errorDetail?.message ?? event.error ?? 'build failed').trim() || 'build failed';
      if (this.fromStep && PULL_FAILED.test(this.error)) this.missingBaseImage = this.fromStep;
      return this.silent ? [] : [...this.flush(), this.capped(`ERROR: ${this.error}`)];
    }
    if (event.aux?.ID) this.imageId = event.aux.ID;
    const built = event.stream !== undefined && event.stream.length < 100 ? SUCCESSFULLY_BUILT.exec(event.stream) : null;
    if (built && !this.imageId) this.imageId = built[1];
    if (event.stream !== undefined) this.noteStep(event.stream);
    if (this.silent) return [];
    const text = event.stream ?? (event.status !== undefined ? `${event.status}\n` : '');
    const parts = (this.partial + text).split('\n');
    const rest = parts.pop() ?? '';
    const lines: string[] = [];
    for (const part of parts) {
      if (!this.skipping) lines.push(this.capped(part));
      this.skipping = false;
    }
    this.partial = '';
    if (this.skipping) return keepLines(lines);
    if (Buffer.byteLength(rest) > this.lineMaxBytes) {
      lines.push(this.capped(rest));
      this.skipping = true;
    } else {
      this.partial = rest;
    }
    return keepLines(lines);
  }

  /** The last unfinished line, if any. */
  flush(): string[] {
    const rest = this.partial;
    this.partial = '';
    this.skipping = false;
    return this.silent ? [] : keepLines([rest]);
  }

  /** Stops making lines (the log is full); failures and the image id are still recorded. */
  silence(): void {
    this.silent = true;
    this.partial = '';
  }

  /** Remembers whether the step running is a FROM, so a failure can be pinned on its image. */
  private noteStep(text: string): void {
    for (const line of text.split('\n')) {
      if (!/^step \d/i.test(line.trim()) || line.length > 2048) continue;
      const from = FROM_STEP.exec(line.trim());
      this.fromStep = from?.[1] && from[2] ? { instruction: from[1], image: from[2] } : undefined;
    }
  }

  private capped(line: string): string {
    const clean = line.replace(/\r$/, '');
    if (Buffer.byteLength(clean) <= this.lineMaxBytes) return clean;
    const room = this.lineMaxBytes - Buffer.byteLength(CUT_MARK);
    const bytes = Buffer.from(clean.slice(0, this.lineMaxBytes));
    return utf8Prefix(bytes, room) + CUT_MARK;
  }
}

/** Reads the engine's raw build stream chunk by chunk into log lines, holding no more than one capped event. */
export class BuildStreamReader {
  private readonly splitter = new LineSplitter(EVENT_MAX_BYTES);
  readonly parser: BuildOutputParser;

  constructor(lineMaxBytes = LINE_MAX_BYTES) {
    this.parser = new BuildOutputParser(lineMaxBytes);
  }

  push(chunk: Buffer): string[] {
    return this.splitter.push(chunk).flatMap((line) => this.event(line));
  }

  end(): string[] {
    return [...this.splitter.end().flatMap((line) => this.event(line)), ...this.parser.flush()];
  }

  private event(line: SplitLine): string[] {
    const event = parseBuildEvent(line);
    return event ? this.parser.push(event) : [];
  }
}

function keepLines(lines: string[]): string[] {
  return lines.filter((line) => line.trim() !== '');
}

/** The longest prefix of `bytes` within `max` bytes that ends on a whole character. */
function utf8Prefix(bytes: Buffer, max: number): string {
  let end = Math.min(max, bytes.length);
  let lead = end - 1;
  while (lead > 0 && ((bytes[lead] ?? 0) & 0xc0) === 0x80) lead--;
  const first = bytes[lead] ?? 0;
  const length = first >= 0xf0 ? 4 : first >= 0xe0 ? 3 : first >= 0xc0 ? 2 : 1;
  if (lead >= 0 && lead + length > end) end = lead;
  return bytes.subarray(0, end).toString('utf8');
}
