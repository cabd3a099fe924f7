/**
 * Fills the `{{name}}` placeholders of a template kept as data (generated Dockerfiles, nginx
 * configuration). A placeholder alone on its line takes a list of lines and disappears when the
 * list is empty, so optional steps leave no blank lines. Values must already be safe for the
 * target format: the Dockerfile helpers in dockerfile-text.ts produce them.
 */
export function fillTemplate(template: string, values: Record<string, string | readonly string[]>): string {
  const lines: string[] = [];
  for (const line of template.split('\n')) {
    const whole = /^(\s*)\{\{(\w+)\}\}$/.exec(line);
    if (whole) {
      const indent = whole[1] ?? '';
      lines.push(...asLines(valueOf(values, whole[2] ?? '')).map((value) => indent + value));
    } else {
      lines.push(line.replace(/\{\{(\w+)\}\}/g, (_, name: string) => inlineValue(values, name)));
    }
  }
  return lines.join('\n');
}

function valueOf(values: Record<string, string | readonly string[]>, name: string): string | readonly string[] {
  const value = values[name];
  // A missing value is a programming error in a planner, not a user error: fail loudly.
  if (value === undefined) throw new Error(`template placeholder {{${name}}} has no value`);
  return value;
}

function asLines(value: string | readonly string[]): string[] {
  if (typeof value !== 'string') return [...value];
  return value === '' ? [] : [value];
}

function inlineValue(values: Record<string, string | readonly string[]>, name: string): string {
  const value = valueOf(values, name);
  if (typeof value !== 'string' || value.includes('\n')) {
    throw new Error(`template placeholder {{${name}}} inside a line needs a single-line string`);
  }
  return value;
}
