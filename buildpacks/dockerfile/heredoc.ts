/** A heredoc found in a Dockerfile: its 1-based line and the instruction line as written. */
export interface DockerfileHeredoc {
  line: number;
  text: string;
}

const TAKES_HEREDOC = new Set(['RUN', 'COPY', 'ADD']);
/** A word starting with `<<` or `<<-` then the delimiter, quoted or not, as BuildKit reads it. */
const HEREDOC_WORD = /(?:^|\s)\d?<<-?(["']?)[A-Za-z_][\w.-]*\1(?=\s|$)/;
/** The longest line looked at; a heredoc marker sits near the start of its instruction. */
const LINE_MAX = 4096;

/**
 * The first heredoc (`RUN <<EOF`) of a Dockerfile. Only BuildKit reads heredocs: Docker's
 * classic builder and Podman's (buildah 1.28) take the body's first line as the next instruction
 * and fail with "unknown instruction", which says nothing of the cause. Comment lines are skipped,
 * continuation lines belong to the instruction they continue.
 */
export function findHeredoc(dockerfile: string): DockerfileHeredoc | undefined {
  const lines = dockerfile.split('\n');
  let instruction: string | undefined;
  let continuing = false;
  for (const [index, raw] of lines.entries()) {
    const line = raw.slice(0, LINE_MAX).replace(/\r$/, '');
    const trimmed = line.trim();
    if (trimmed.startsWith('#')) continue;
    if (!continuing) instruction = /^[A-Za-z]+/.exec(trimmed)?.[0]?.toUpperCase();
    if (instruction !== undefined && TAKES_HEREDOC.has(instruction) && HEREDOC_WORD.test(continuing ? line : trimmed.slice(instruction.length))) {
      return { line: index + 1, text: trimmed };
    }
    continuing = trimmed.endsWith('\\');
  }
  return undefined;
}
