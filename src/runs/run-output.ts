import type { LogLine } from '../engine/engine.port';

/**
 * Keeps each stream of a run's output to `maxBytes` (UTF-8 bytes of the lines, newlines
 * counted): the line that crosses the cap is cut at a character boundary, later ones dropped.
 * Pure; `RunRunner` stores what `take` returns.
 */
export class RunOutput {
  private readonly used = { stdout: 0, stderr: 0 };
  readonly truncated = { stdout: false, stderr: false };

  constructor(private readonly maxBytes: number) {}

  /** The part of `line` to keep, or undefined when its stream is full. */
  take(line: LogLine): LogLine | undefined {
    const stream = line.stream;
    if (this.truncated[stream]) return undefined;
    const room = this.maxBytes - this.used[stream];
    const size = Buffer.byteLength(line.text) + 1;
    if (size <= room) {
      this.used[stream] += size;
      return line;
    }
    this.truncated[stream] = true;
    if (room <= 1) return undefined;
    const text = cutToBytes(line.text, room - 1);
    this.used[stream] = this.maxBytes;
    return { stream, text };
  }

  /** Output past the engine's read cap was dropped unseen: a stream not already cut may miss some. */
  markCut(): void {
    this.truncated.stdout = true;
    this.truncated.stderr = true;
  }

  notice(): string | undefined {
    const cut = (['stdout', 'stderr'] as const).filter((s) => this.truncated[s]);
    if (cut.length === 0) return undefined;
    return `${cut.join(' and ')} cut at ${this.maxBytes} bytes ([runs] max_output_bytes); the rest was dropped`;
  }
}

/** The longest prefix of `text` that fits in `bytes` UTF-8 bytes, never splitting a character. */
export function cutToBytes(text: string, bytes: number): string {
  const buffer = Buffer.from(text);
  if (buffer.length <= bytes) return text;
  let end = bytes;
  // Step back over continuation bytes (10xxxxxx) to the start of the cut character.
  while (end > 0 && ((buffer[end] ?? 0) & 0xc0) === 0x80) end--;
  return buffer.subarray(0, end).toString('utf8');
}
