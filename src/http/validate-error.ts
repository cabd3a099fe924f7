import type { ValidateError } from '@tsoa/runtime';
import { ValidationError } from '../errors';

const UNION = 'Could not match the union against any of the items. Issues: ';
const ONE_OF = /^should be one of the following; \[(.*)\]$/;
/** tsoa's words for a value of the wrong type, as the client would say them. */
const KINDS: Record<string, string> = {
  'invalid string value': 'a string',
  'invalid float number': 'a number',
  'invalid integer number': 'an integer',
  'invalid boolean value': 'a boolean',
  'invalid array': 'an array',
  'invalid object': 'an object',
};

/**
 * A tsoa validation failure as the API's own error: the field as the client wrote it (tsoa says
 * `body.ports` or `requestBody.name`), and a readable message instead of tsoa's dump of a union.
 */
export function fromValidateError(err: ValidateError): ValidationError {
  const [path, detail] = Object.entries(err.fields)[0] ?? ['body', { message: 'invalid input' }];
  const field = clientPath(path) || 'body';
  const message = describe(detail.message, detail.value);
  if (field === 'body' || message.startsWith('"')) return new ValidationError(message, field);
  return new ValidationError(`${field}: ${message}`, field);
}

function clientPath(path: string): string {
  return path.replace(/^(requestBody|body)\.?/, '');
}

function describe(message: string, value: unknown): string {
  if (!message.startsWith(UNION)) return KINDS[message] ? `must be ${KINDS[message]}` : message;
  const issues = unionIssues(message.slice(UNION.length));
  const allowed = issues.map((m) => ONE_OF.exec(m)?.[1]);
  if (issues.length > 0 && allowed.every((a) => a !== undefined)) {
    const values = allowed.flatMap((a) => a.split(',').map((v) => v.replace(/^'|'$/g, '')));
    return `must be one of ${values.join(', ')}; got ${shown(value)}`;
  }
  const kinds = [...new Set(issues.map((m) => KINDS[m]).filter((k) => k !== undefined))];
  return kinds.length > 0 ? `must be ${kinds.join(' or ')}; got ${shown(value)}` : `is not valid; got ${shown(value)}`;
}

/** The messages of each branch of the union; tsoa writes them as JSON after its sentence. */
function unionIssues(json: string): string[] {
  try {
    const parsed = JSON.parse(json) as Array<Record<string, { message?: unknown }>>;
    return parsed.flatMap((issue) => Object.values(issue).map((d) => (typeof d.message === 'string' ? d.message : '')));
  } catch {
    return [];
  }
}

/** The value as JSON, cut short: it comes from the client and may be anything. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
