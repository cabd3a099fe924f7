/**
 * Repository text (config keys, package names) that planners show in summary lines. Each summary
 * line becomes one line of the build log, so anything beyond plain key characters is shown as a
 * JSON string: a key holding a newline cannot forge log lines such as "build succeeded".
 */
const PLAIN_KEY = /^[A-Za-z0-9_.\-@/+:[\]]+$/;

export function shownKey(key: string): string {
  return PLAIN_KEY.test(key) ? key : JSON.stringify(key);
}

/** The summary line naming the request's `env` (names only: the values are secret). */
export function buildEnvLines(env: Record<string, string>): string[] {
  const names = Object.keys(env).sort();
  return names.length > 0 ? [`build env: ${names.join(', ')} (build only, not kept in the image)`] : [];
}
