import { readFileSync } from 'node:fs';
import type { BerthConfig } from '../config/config.schema';
import type { GitCredentials } from './git.port';

/** `[git] credentials` by lower-case host, deploy keys read from their files. */
export function hostCredentials(configured: BerthConfig['git']['credentials']): Record<string, GitCredentials> {
  const result: Record<string, GitCredentials> = {};
  for (const [host, c] of Object.entries(configured)) {
    result[host.toLowerCase()] = {
      ...(c.username ? { username: c.username } : {}),
      ...(c.token ? { token: c.token } : {}),
      ...(c.ssh_key_file ? { sshKey: readFileSync(c.ssh_key_file, 'utf8') } : {}),
    };
  }
  return result;
}
