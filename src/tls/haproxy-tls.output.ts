import { ProxyError } from '../errors';

/** Pure parsers of HAProxy 2.6 Runtime API answers about certificates. */

/** `show ssl crt-list <list>`: a "# <list>" line, then one certificate path (and options) per line. */
export function parseCrtList(answer: string): string[] {
  const lines = answer.split('\n').filter((l) => l.trim() !== '');
  if (!lines[0]?.startsWith('# '))
    throw new ProxyError('proxy_error', 'HAProxy answered "show ssl crt-list" with something Berth cannot read', { answer: answer.slice(0, 500) });
  return lines.slice(1).map((l) => l.trim().split(' ')[0] ?? '');
}

/** `show ssl cert`: a "# filename" line, then one stored certificate path per line. */
export function parseCertStore(answer: string): string[] {
  const lines = answer.split('\n').filter((l) => l.trim() !== '');
  if (lines[0]?.trim() !== '# filename')
    throw new ProxyError('proxy_error', 'HAProxy answered "show ssl cert" with something Berth cannot read', { answer: answer.slice(0, 500) });
  return lines.slice(1).map((l) => l.trim());
}

/** Answers of certificate commands that did what was asked (HAProxy 2.6 has no single success word). */
const SUCCESS = [
  /Success!$/,
  /^New empty certificate store '[^']*'!$/,
  /^Transaction created for certificate \S+!$/,
  /^Entry '[^']*' deleted in crtlist '[^']*'!$/,
  /^Certificate '[^']*' deleted!$/,
];

export function certCommandSucceeded(answer: string): boolean {
  const text = answer.trim();
  return SUCCESS.some((pattern) => pattern.test(text));
}
