/**
 * Docker's `label` filter: `key` asks for the label, `key=value` (split at the first `=`) for
 * that value; every filter must hold.
 */
export function matchesLabelFilters(labels: Record<string, string>, filters: string[]): boolean {
  return filters.every((filter) => {
    const eq = filter.indexOf('=');
    if (eq < 0) return Object.hasOwn(labels, filter);
    const key = filter.slice(0, eq);
    return Object.hasOwn(labels, key) && labels[key] === filter.slice(eq + 1);
  });
}
