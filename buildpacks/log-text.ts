/**
 * Repository text (config keys, package names) that planners show in summary lines. Each summary
 * line becomes one line of the build log, so anything beyond plain key characters is shown as a
 * JSON string: a key holding a newline cannot forge log lines such as "build succeeded".
 */
const PLAIN_KEY = /^[A-Za-z0-9_.\-@/+:[\]]+$/;

export function shownKey(key: string): string {
  return PLAIN_KEY.test(key) ? key : JSON.stringify(key);
}
