/**
 * The images a Dockerfile's FROM lines pull: each `FROM [--platform=...] <image> [AS <name>]`,
 * without `scratch` and the build's own stages (`FROM builder`). `$NAME` / `${NAME}` are replaced
 * from the build arguments and the ARG defaults written before the first FROM, as the builder
 * does; a reference still holding a variable after that is left out (the builder resolves it).
 * Lines continued with `\` are joined, comments skipped. Pure: the text is read elsewhere.
 */
export function fromImages(dockerfile: string, buildArgs: Record<string, string>): string[] {
  const args: Record<string, string> = {};
  const stages = new Set<string>();
  const images: string[] = [];
  let seenFrom = false;
  for (const line of instructions(dockerfile)) {
    const [keyword = '', ...words] = line.split(/\s+/);
    const upper = keyword.toUpperCase();
    if (upper === 'ARG' && !seenFrom) {
      for (const word of words) {
        const eq = word.indexOf('=');
        const name = eq < 0 ? word : word.slice(0, eq);
        const value = buildArgs[name] ?? (eq < 0 ? undefined : unquote(word.slice(eq + 1)));
        if (value !== undefined) args[name] = value;
      }
    }
    if (upper !== 'FROM') continue;
    seenFrom = true;
    const [raw = '', as, stage] = words.filter((w) => !w.startsWith('--'));
    const image = raw.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, a?: string, b?: string) => args[(a ?? b)!] ?? whole);
    const external = image !== '' && !image.includes('$') && image.toLowerCase() !== 'scratch' && !stages.has(image.toLowerCase());
    if (external && !images.includes(image)) images.push(image);
    if (as?.toUpperCase() === 'AS' && stage) stages.add(stage.toLowerCase());
  }
  return images;
}

/** Logical lines: comments and blank lines dropped, `\`-continued lines joined. */
function instructions(text: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line.startsWith('#') && current === '') continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    out.push(`${current}${line}`.trim());
    current = '';
  }
  if (current.trim() !== '') out.push(current.trim());
  return out.filter((l) => l !== '');
}

function unquote(value: string): string {
  return /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value;
}
