import { PlanError } from './plan';

/**
 * Helpers that turn user text (commands, environment values, paths, image names) into Dockerfile
 * instructions that mean exactly that text and nothing more. Generated Dockerfiles are built with
 * the legacy builder, so no BuildKit syntax (heredocs, RUN --mount) is used here.
 */

/** A newline or carriage return would start a new instruction; NUL truncates strings in the engine. */
const LINE_BREAKING = /[\n\r\0]/;
/** Names `ENV` and `sh` accept as variables; anything else could be read as syntax. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Image references: registry, path, tag and digest characters only. */
const IMAGE_REF = /^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/;
/**
 * COPY expands `$VAR`, globs `*?[` and splits on spaces, so paths in plain-form COPY lines are
 * limited to characters with no meaning to it.
 */
const PLAIN_PATH = /^[A-Za-z0-9._@+\-/]+$/;
/** Words the shell reads literally without quotes. */
const SHELL_PLAIN = /^[A-Za-z0-9._@%+=:,/-]+$/;

/** Refuses text that would end the instruction it is written into. */
export function assertSingleLine(value: string, field: string): string {
  if (LINE_BREAKING.test(value)) {
    throw new PlanError(`${field} must be a single line: newlines, carriage returns and NUL are not allowed`, 'invalid_repository', field);
  }
  return value;
}

export function assertEnvName(name: string, field: string): string {
  if (!ENV_NAME.test(name)) {
    throw new PlanError(`${field}: "${name}" is not a valid variable name (letters, digits and _, not starting with a digit)`, 'invalid_repository', field);
  }
  return name;
}

export function assertImageRef(image: string, field: string): string {
  if (!IMAGE_REF.test(image)) {
    throw new PlanError(`${field}: "${image}" is not a valid image reference`, 'invalid_repository', field);
  }
  return image;
}

/** A path that can be written into a plain-form COPY line as is. */
export function assertPlainPath(path: string, field: string): string {
  if (!PLAIN_PATH.test(path)) {
    throw new PlanError(`${field}: "${path}" may only contain letters, digits and . _ - / @ +`, 'invalid_repository', field);
  }
  return path;
}

/**
 * The JSON exec form of an instruction's arguments. The builder parses it as JSON, so quotes,
 * backslashes and `$` inside a string cannot end the array or be expanded.
 */
export function execForm(args: readonly string[], field: string): string {
  for (const arg of args) assertSingleLine(arg, field);
  return JSON.stringify(args);
}

/** `RUN ["sh","-c","<command>"]`: the command is one shell script, not Dockerfile text. */
export function runShell(command: string, field: string): string {
  return `RUN ${execForm(['sh', '-c', command], field)}`;
}

/**
 * `CMD ["sh","-c","<command>"]`, so start commands may use shell syntax such as `&&`. The command
 * should `exec` its last program (nixpacks/start-command.ts), so that `sh` does not stay between
 * the engine's stop signal and the app.
 */
export function cmdShell(command: string, field: string): string {
  return `CMD ${execForm(['sh', '-c', command], field)}`;
}

/**
 * A double-quoted ENV value. Inside double quotes the builder still expands `$VAR` and treats
 * `\` as an escape, so `\`, `"` and `$` are escaped and the value is taken literally.
 */
export function quoteEnvValue(value: string, field: string): string {
  assertSingleLine(value, field);
  return `"${value.replace(/[\\"$]/g, (char) => `\\${char}`)}"`;
}

export function envLine(name: string, value: string, field: string): string {
  const where = `${field}.${name}`;
  return `ENV ${assertEnvName(name, where)}=${quoteEnvValue(value, where)}`;
}

/** One ENV line per variable, sorted by name so the Dockerfile does not depend on key order. */
export function envLines(variables: Record<string, string>, field: string): string[] {
  return Object.keys(variables)
    .sort()
    .map((name) => envLine(name, variables[name] ?? '', field));
}

/**
 * `ARG NAME` lines, without defaults, sorted by name. The values come as build args only, so they
 * are never written into the Dockerfile nor printed with the step (`Step 3/9 : ARG TOKEN`). A
 * stage sees them from its `ARG` on; the classic builder records them in the history of that
 * stage's RUN steps, so they belong in a build stage the final image does not start from.
 */
export function argLines(variables: Record<string, string>, field: string): string[] {
  return Object.keys(variables)
    .sort()
    .map((name) => `ARG ${assertEnvName(name, `${field}.${name}`)}`);
}

/** Build args for `argLines`: names as there, single-line values (as ENV values must be). */
export function buildArgValues(variables: Record<string, string>, field: string): Record<string, string> {
  for (const [name, value] of Object.entries(variables)) {
    assertEnvName(name, `${field}.${name}`);
    assertSingleLine(value, `${field}.${name}`);
  }
  return { ...variables };
}

/** A word for `sh`: plain words stay readable, anything else is single-quoted. */
export function shellWord(word: string): string {
  if (SHELL_PLAIN.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
