import { readFileSync } from 'node:fs';
import type { BerthConfig } from '../config/config.schema';
import type { BuildRegistries, RegistryAuth, TransferOptions } from '../engine/engine.port';

/** Docker Hub's names for itself: credentials under any of them are Hub's. */
const HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);
const HUB_ADDRESS = 'https://index.docker.io/v1/';

/**
 * `[registries."host"]` by lower-case host: what pulls, pushes and builds send to each registry.
 * Password files are read once, here. The values never leave this class but as engine auth.
 */
export class RegistryCredentials {
  private readonly byHost = new Map<string, { auth?: RegistryAuth; insecure: boolean }>();
  private readonly secrets: string[] = [];

  constructor(configured: BerthConfig['registries'], readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')) {
    for (const [rawHost, entry] of Object.entries(configured)) {
      const host = canonicalHost(rawHost);
      const password = entry.password ?? (entry.password_file ? readFile(entry.password_file).replace(/\r?\n$/, '') : undefined);
      const serveraddress = host === 'docker.io' ? HUB_ADDRESS : host;
      let auth: RegistryAuth | undefined;
      if (entry.token) auth = { serveraddress, identitytoken: entry.token };
      else if (entry.username || password) auth = { serveraddress, ...(entry.username ? { username: entry.username } : {}), ...(password ? { password } : {}) };
      for (const secret of [password, entry.token]) if (secret) this.secrets.push(secret);
      this.byHost.set(host, { ...(auth ? { auth } : {}), insecure: entry.insecure });
    }
  }

  /** What a transfer with the registry `host` sends. */
  forHost(host: string): TransferOptions {
    const entry = this.byHost.get(canonicalHost(host));
    return entry ? { ...(entry.auth ? { auth: entry.auth } : {}), ...(entry.insecure ? { insecure: true } : {}) } : {};
  }

  /** Every configured auth, keyed as the engines' `X-Registry-Config` wants (builds' FROM). */
  registryConfig(): Record<string, { username?: string; password?: string; identitytoken?: string; serveraddress: string }> {
    const config: Record<string, RegistryAuth> = {};
    for (const { auth } of this.byHost.values()) if (auth) config[auth.serveraddress] = auth;
    return config;
  }

  /** What builds send for their FROM images; an insecure registry's own are pulled apart, with its auth. */
  forBuilds(): BuildRegistries {
    const insecure: BuildRegistries['insecure'] = {};
    for (const [host, entry] of this.byHost) if (entry.insecure) insecure[host] = this.forHost(host);
    return { auth: this.registryConfig(), insecure };
  }

  /** `text` with every configured secret replaced by `***`: engine messages may echo what they were sent. */
  redact(text: string): string {
    return this.secrets.reduce((out, secret) => out.split(secret).join('***'), text);
  }
}

function canonicalHost(host: string): string {
  const lower = host.toLowerCase();
  return HUB.has(lower) ? 'docker.io' : lower;
}
