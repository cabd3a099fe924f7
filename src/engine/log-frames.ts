import { StringDecoder } from 'node:string_decoder';
import type { LogLine } from './engine.port';

const HEADER_BYTES = 8;
const STREAMS: Record<number, LogLine['stream']> = { 0: 'stdout', 1: 'stdout', 2: 'stderr' };

/**
 * Turns the engine's log byte stream into lines. Multiplexed streams (containers without a
 * TTY) carry an 8-byte header per frame: stream type, three zero bytes, payload size (big
 * endian). Frames, lines and UTF-8 characters may be split anywhere across chunks; partial
 * lines are held per stream until their newline or `end()`.
 */
export class LogFrameDecoder {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly partial: Record<LogLine['stream'], string> = { stdout: '', stderr: '' };
  private readonly decoders: Record<LogLine['stream'], StringDecoder> = {
    stdout: new StringDecoder('utf8'),
    stderr: new StringDecoder('utf8'),
  };

  constructor(private readonly multiplexed: boolean) {}

  push(chunk: Buffer): LogLine[] {
    if (!this.multiplexed) return this.split('stdout', chunk);
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const lines: LogLine[] = [];
    while (this.buffer.length >= HEADER_BYTES) {
      const size = this.buffer.readUInt32BE(4);
      if (this.buffer.length < HEADER_BYTES + size) break;
      const stream = STREAMS[this.buffer[0] ?? 1] ?? 'stdout';
      const payload = this.buffer.subarray(HEADER_BYTES, HEADER_BYTES + size);
      this.buffer = this.buffer.subarray(HEADER_BYTES + size);
      lines.push(...this.split(stream, payload));
    }
    return lines;
  }

  /** Lines still waiting for a newline when the stream ends. */
  end(): LogLine[] {
    const rest: LogLine[] = [];
    for (const stream of ['stdout', 'stderr'] as const) {
      const text = this.partial[stream] + this.decoders[stream].end();
      if (text !== '') rest.push({ stream, text });
      this.partial[stream] = '';
    }
    return rest;
  }

  private split(stream: LogLine['stream'], bytes: Buffer): LogLine[] {
    const parts = (this.partial[stream] + this.decoders[stream].write(bytes)).split('\n');
    this.partial[stream] = parts.pop() ?? '';
    return parts.map((line) => ({ stream, text: line.endsWith('\r') ? line.slice(0, -1) : line }));
  }
}
