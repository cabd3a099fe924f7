import type { LogLine } from './engine.port';

const HEADER_BYTES = 8;
const STREAMS: Record<number, LogLine['stream']> = { 0: 'stdout', 1: 'stdout', 2: 'stderr' };

/**
 * Turns the engine's log byte stream into lines. Multiplexed streams (containers without a
 * TTY) carry an 8-byte header per frame: stream type, three zero bytes, payload size (big
 * endian). Frames and lines may be split anywhere across chunks; partial lines are held
 * per stream until their newline or `end()`.
 */
export class LogFrameDecoder {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly partial: Record<LogLine['stream'], string> = { stdout: '', stderr: '' };

  constructor(private readonly multiplexed: boolean) {}

  push(chunk: Buffer): LogLine[] {
    if (!this.multiplexed) return this.split('stdout', chunk.toString('utf8'));
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const lines: LogLine[] = [];
    while (this.buffer.length >= HEADER_BYTES) {
      const size = this.buffer.readUInt32BE(4);
      if (this.buffer.length < HEADER_BYTES + size) break;
      const stream = STREAMS[this.buffer[0] ?? 1] ?? 'stdout';
      const payload = this.buffer.subarray(HEADER_BYTES, HEADER_BYTES + size).toString('utf8');
      this.buffer = this.buffer.subarray(HEADER_BYTES + size);
      lines.push(...this.split(stream, payload));
    }
    return lines;
  }

  /** Lines still waiting for a newline when the stream ends. */
  end(): LogLine[] {
    const rest: LogLine[] = [];
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream] !== '') rest.push({ stream, text: this.partial[stream] });
      this.partial[stream] = '';
    }
    return rest;
  }

  private split(stream: LogLine['stream'], text: string): LogLine[] {
    const parts = (this.partial[stream] + text).split('\n');
    this.partial[stream] = parts.pop() ?? '';
    return parts.map((line) => ({ stream, text: line.endsWith('\r') ? line.slice(0, -1) : line }));
  }
}
