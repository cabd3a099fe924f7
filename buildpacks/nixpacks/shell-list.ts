/**
 * Reads a start command just far enough to know whether its last command may be `exec`-ed: a
 * list of simple commands joined by `&&` or `;`, made of words, quotes, `\` escapes and `$NAME` /
 * `${NAME...}` expansions. Anything else (pipes, redirections, `||`, `&`, subshells, command
 * substitution, comments, keywords) is not understood and the command is left as written.
 */

/** One simple command: the offsets of its words in the text it was read from. */
export interface SimpleCommand {
  words: Array<{ start: number; text: string }>;
}

/** Characters that end a word or start syntax this reader does not take on. */
const SPECIAL = new Set([' ', '\t', '&', ';', '|', '<', '>', '(', ')', '`', '\n', '\r']);
const RESERVED = new Set([
  'if',
  'then',
  'else',
  'elif',
  'fi',
  'do',
  'done',
  'case',
  'esac',
  'while',
  'until',
  'for',
  'in',
  'function',
  'select',
  '{',
  '}',
  '!',
  '[[',
  ']]',
]);

/** The commands of `text` in order, or undefined when it is more than a list of simple commands. */
export function readCommandList(text: string): SimpleCommand[] | undefined {
  const commands: SimpleCommand[] = [{ words: [] }];
  let i = 0;
  while (i < text.length) {
    const char = text[i] ?? '';
    if (char === ' ' || char === '\t') {
      i += 1;
    } else if (char === ';' || (char === '&' && text[i + 1] === '&')) {
      if (text[i + 1] === ';' || (commands.at(-1)?.words.length ?? 0) === 0) return undefined;
      commands.push({ words: [] });
      i += char === ';' ? 1 : 2;
    } else if (SPECIAL.has(char) || char === '#') {
      return undefined;
    } else {
      const end = wordEnd(text, i);
      if (end === undefined) return undefined;
      commands.at(-1)?.words.push({ start: i, text: text.slice(i, end) });
      i = end;
    }
  }
  const complete = commands.every((command) => command.words.length > 0);
  const plain = commands.every((command) => !RESERVED.has(command.words[0]?.text ?? ''));
  return complete && plain ? commands : undefined;
}

/** Where the word starting at `start` ends, or undefined for syntax the reader refuses. */
function wordEnd(text: string, start: number): number | undefined {
  let i = start;
  while (i < text.length && !SPECIAL.has(text[i] ?? '')) {
    const char = text[i];
    if (char === "'") {
      const close = text.indexOf("'", i + 1);
      if (close < 0) return undefined;
      i = close + 1;
    } else if (char === '"') {
      const close = doubleQuoteEnd(text, i + 1);
      if (close === undefined) return undefined;
      i = close + 1;
    } else if (char === '\\') {
      if (i + 1 >= text.length) return undefined;
      i += 2;
    } else if (char === '$') {
      const after = expansionEnd(text, i);
      if (after === undefined) return undefined;
      i = after;
    } else {
      i += 1;
    }
  }
  return i;
}

/** The closing `"` of a double-quoted string, refusing command substitution inside it. */
function doubleQuoteEnd(text: string, from: number): number | undefined {
  for (let i = from; i < text.length; i += 1) {
    const char = text[i];
    if (char === '\\') i += 1;
    else if (char === '`' || (char === '$' && text[i + 1] === '(')) return undefined;
    else if (char === '"') return i;
  }
  return undefined;
}

/** `$NAME`, `$1`, `${NAME:-word}` with a plain word; `$(...)` and `$((...))` are refused. */
function expansionEnd(text: string, dollar: number): number | undefined {
  const next = text[dollar + 1];
  if (next === '(') return undefined;
  if (next !== '{') return dollar + 1;
  const close = text.indexOf('}', dollar + 2);
  if (close < 0 || /["'`$\\{]/.test(text.slice(dollar + 2, close))) return undefined;
  return close + 1;
}
