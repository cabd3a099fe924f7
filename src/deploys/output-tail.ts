import type { ContainerEngine } from '../engine/engine.port';

/** Longest line kept from a container's output: an app may print anything, a log line stays short. */
export const MAX_LINE_CHARS = 1000;

/** The last `lines` lines of a container's output (both streams), each clipped; [] when none could be read. */
export async function tailOutput(engine: Pick<ContainerEngine, 'containerLogs'>, id: string, lines: number): Promise<string[]> {
  try {
    const stream = await engine.containerLogs(id, { follow: false, tail: lines, timestamps: false });
    const out: string[] = [];
    for await (const line of stream) out.push(clipLine(line.text));
    return out.slice(-lines);
  } catch {
    return [];
  }
}

/** Cuts a line to `max` characters, saying how much was left out. */
export function clipLine(text: string, max = MAX_LINE_CHARS): string {
  const line = text.replace(/\r$/, '');
  return line.length <= max ? line : `${line.slice(0, max)}… (${line.length - max} more characters)`;
}
