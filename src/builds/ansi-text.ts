/**
 * Terminal control sequences out of one log line, for the logs the API stores and serves: npm,
 * yarn, the engine's builder and apps colour their output, and `\x1b[32m` reads as noise in JSON.
 *
 * One pass over the text with a small state machine after ECMA-48, so the time is linear in the
 * length whatever the line holds (no regex that could backtrack):
 * - CSI `ESC [` or U+009B: parameter bytes 0x30-0x3F, intermediate bytes 0x20-0x2F, one final
 *   byte 0x40-0x7E (colours, cursor moves, erase line);
 * - OSC `ESC ]` or U+009D, and the strings DCS `ESC P`, SOS `ESC X`, PM `ESC ^`, APC `ESC _` (or
 *   their C1 forms): up to BEL or ST (`ESC \` or U+009C) - titles, hyperlinks;
 * - any other escape: `ESC`, intermediate bytes, one final byte (`ESC ( B`, `ESC 7`).
 * A sequence cut off by the end of the line is dropped to the end, as a terminal would hide it. A
 * CSI broken by a byte outside its ranges ends there and the byte is kept.
 */
export function stripAnsi(text: string): string {
  const kept: string[] = [];
  let from = 0;
  let i = 0;
  while (i < text.length) {
    const end = sequenceEnd(text, i);
    if (end === i) {
      i += 1;
      continue;
    }
    kept.push(text.slice(from, i));
    from = end;
    i = end;
  }
  if (from === 0) return text;
  kept.push(text.slice(from));
  return kept.join('');
}

const ESC = 0x1b;
const BEL = 0x07;
const C1_ST = 0x9c;
/** Introducers after ESC (and as C1 codes) of the strings that run to BEL or ST. */
const STRING_AFTER_ESC = new Set([0x5d, 0x50, 0x58, 0x5e, 0x5f]);
const STRING_C1 = new Set([0x9d, 0x90, 0x98, 0x9e, 0x9f]);

/** Where the control sequence starting at `start` ends (exclusive); `start` when none starts there. */
function sequenceEnd(text: string, start: number): number {
  const code = text.charCodeAt(start);
  if (code === 0x9b) return csiEnd(text, start + 1);
  if (STRING_C1.has(code)) return stringEnd(text, start + 1);
  if (code !== ESC) return start;
  const next = text.charCodeAt(start + 1);
  if (Number.isNaN(next)) return text.length;
  if (next === 0x5b) return csiEnd(text, start + 2);
  if (STRING_AFTER_ESC.has(next)) return stringEnd(text, start + 2);
  return escapeEnd(text, start + 1);
}

function csiEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length && inRange(text.charCodeAt(i), 0x30, 0x3f)) i += 1;
  while (i < text.length && inRange(text.charCodeAt(i), 0x20, 0x2f)) i += 1;
  if (i >= text.length) return text.length;
  return inRange(text.charCodeAt(i), 0x40, 0x7e) ? i + 1 : i;
}

function stringEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code === BEL || code === C1_ST) return i + 1;
    if (code === ESC && text.charCodeAt(i + 1) === 0x5c) return i + 2;
  }
  return text.length;
}

/** ESC, then intermediate bytes, then one final byte; `from` is just after ESC. */
function escapeEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length && inRange(text.charCodeAt(i), 0x20, 0x2f)) i += 1;
  if (i >= text.length) return text.length;
  return inRange(text.charCodeAt(i), 0x30, 0x7e) ? i + 1 : i;
}

function inRange(code: number, low: number, high: number): boolean {
  return code >= low && code <= high;
}
