/** The git hosts whose push webhooks Berth reads. Forgejo signs and names its events like Gitea. */
export const WEBHOOK_PROVIDERS = ['github', 'gitea', 'gitlab'] as const;
export type WebhookProvider = (typeof WEBHOOK_PROVIDERS)[number];

/** Request headers as Node gives them: lower-case names, repeated headers possibly as arrays. */
export type WebhookHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * One header's value: `undefined` when absent, `null` when sent more than once with different
 * values (a delivery never does that, so the caller refuses it rather than picking one).
 */
export function headerValue(headers: WebhookHeaders, name: string): string | undefined | null {
  const value = headers[name.toLowerCase()];
  if (value === undefined || typeof value === 'string') return value;
  const distinct = new Set(value);
  if (distinct.size === 0) return undefined;
  return distinct.size === 1 ? value[0] : null;
}

/** The first of `names` that is present, with its name. */
export function firstHeader(headers: WebhookHeaders, names: readonly string[]): { name: string; value: string | null } | undefined {
  for (const name of names) {
    const value = headerValue(headers, name);
    if (value !== undefined) return { name, value };
  }
  return undefined;
}
