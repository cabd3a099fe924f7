import type { Redis } from 'ioredis';
import type { SecretBox } from '../builds/secret-box';
import { redisCall } from '../redis/redis-call';
import type { AppRecord, AppSecrets, AppStore } from './app.record';

export interface RedisAppStoreOptions {
  /** Key prefix (`[redis] prefix`). */
  prefix: string;
  /** Seals secrets before they reach Redis, whose append-only file keeps every value ever written. */
  secretBox: SecretBox;
}

// Claims the record's domains for the app in the domains hash, unless another app holds one; the
// app's other domains are released. Returns false (and changes nothing) on a clash.
// KEYS[n]: domains hash. ARGV: record JSON (new), app name, previous record JSON or ''.
const DOMAINS = `
local function claim(hash, name, nextJson, previousJson)
  local wanted = {}
  for _, d in ipairs(cjson.decode(nextJson).domains) do
    local owner = redis.call('HGET', hash, d)
    if owner and owner ~= name then return false end
    wanted[d] = true
  end
  if previousJson ~= '' then
    for _, d in ipairs(cjson.decode(previousJson).domains) do
      if not wanted[d] and redis.call('HGET', hash, d) == name then redis.call('HDEL', hash, d) end
    end
  end
  for d in pairs(wanted) do redis.call('HSET', hash, d, name) end
  return true
end`;

// Creates an app unless its name is taken or a domain is another app's: record, index, domains and
// secrets version 1 in one step. KEYS: record, index, secrets v1, secrets-seq, domains hash.
// ARGV: record JSON, name, sealed secrets.
const CREATE = `${DOMAINS}
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if not claim(KEYS[5], ARGV[2], ARGV[1], '') then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], 0, ARGV[2])
redis.call('SET', KEYS[3], ARGV[3])
redis.call('SET', KEYS[4], 1)
return 1`;

// Writes the record if its version is still the expected one and no domain is another app's; with a
// secrets version, stores it first. KEYS: record, secrets key (or ''), domains hash.
// ARGV: record JSON, expected version, sealed secrets (or ''), name.
const UPDATE = `${DOMAINS}
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
if tostring(cjson.decode(current).version) ~= ARGV[2] then return 0 end
if not claim(KEYS[3], ARGV[4], ARGV[1], current) then return 0 end
if ARGV[3] ~= '' then redis.call('SET', KEYS[2], ARGV[3]) end
redis.call('SET', KEYS[1], ARGV[1])
return 1`;

// Removes an app's record, index entry, domains, secrets and release and deployment indexes.
// KEYS: record, index, releases zset, domains hash. ARGV: name, key prefix of the app, release key prefix.
const REMOVE = `
local current = redis.call('GET', KEYS[1])
if current then
  for _, d in ipairs(cjson.decode(current).domains) do
    if redis.call('HGET', KEYS[4], d) == ARGV[1] then redis.call('HDEL', KEYS[4], d) end
  end
end
local seq = tonumber(redis.call('GET', ARGV[2] .. ':secrets-seq') or '0')
for v = 1, seq do redis.call('DEL', ARGV[2] .. ':secrets:' .. v) end
for _, n in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do redis.call('DEL', ARGV[3] .. n) end
redis.call('DEL', KEYS[1], KEYS[3], ARGV[2] .. ':secrets-seq', ARGV[2] .. ':deploys', ARGV[2] .. ':claim', ARGV[2] .. ':release-seq')
redis.call('ZREM', KEYS[2], ARGV[1])
return 1`;

/**
 * AppStore on Redis: the record as JSON under `app:<name>`, names in the `apps` sorted set, each
 * secrets version sealed under `app:<name>:secrets:<v>` with the app name and version bound in,
 * so a blob opens only as what it was written as. `app-domains` maps each domain to its app, so
 * two writers at once can never give one domain to two apps.
 */
export class RedisAppStore implements AppStore {
  constructor(
    private readonly redis: Redis,
    private readonly options: RedisAppStoreOptions,
  ) {}

  async create(record: AppRecord, secrets: AppSecrets): Promise<boolean> {
    const { name } = record;
    const keys = [this.key(name), this.indexKey(), this.secretsKey(name, 1), `${this.key(name)}:secrets-seq`, this.domainsKey()];
    const sealed = this.seal(name, 1, secrets);
    return (await redisCall(() => this.redis.eval(CREATE, keys.length, ...keys, JSON.stringify(record), name, sealed))) === 1;
  }

  async get(name: string): Promise<AppRecord | undefined> {
    const raw = await redisCall(() => this.redis.get(this.key(name)));
    return raw ? (JSON.parse(raw) as AppRecord) : undefined;
  }

  async list(): Promise<AppRecord[]> {
    const names = await redisCall(() => this.redis.zrange(this.indexKey(), '0', '-1'));
    if (names.length === 0) return [];
    const raws = await redisCall(() => this.redis.mget(...names.map((n) => this.key(n))));
    return raws.flatMap((raw) => (raw ? [JSON.parse(raw) as AppRecord] : []));
  }

  async update(next: AppRecord, expectedVersion: number, secrets?: { version: number; value: AppSecrets }): Promise<boolean> {
    if (next.version !== expectedVersion + 1) throw new Error('an app update must bump the version by one');
    if (secrets && next.config.secretsVersion !== secrets.version) throw new Error('the record must name the secrets version it stores');
    const secretsKey = secrets ? this.secretsKey(next.name, secrets.version) : '';
    const sealed = secrets ? this.seal(next.name, secrets.version, secrets.value) : '';
    const keys = [this.key(next.name), secretsKey, this.domainsKey()];
    const result = await redisCall(() => this.redis.eval(UPDATE, keys.length, ...keys, JSON.stringify(next), String(expectedVersion), sealed, next.name));
    return result === 1;
  }

  async nextSecretsVersion(name: string): Promise<number> {
    return redisCall(() => this.redis.incr(`${this.key(name)}:secrets-seq`));
  }

  async secrets(name: string, version: number): Promise<AppSecrets | undefined> {
    const sealed = await redisCall(() => this.redis.get(this.secretsKey(name, version)));
    return sealed ? (JSON.parse(this.options.secretBox.open(aad(name, version), sealed)) as AppSecrets) : undefined;
  }

  async pruneSecrets(name: string, keep: readonly number[]): Promise<void> {
    const seq = Number((await redisCall(() => this.redis.get(`${this.key(name)}:secrets-seq`))) ?? 0);
    const kept = new Set(keep);
    const gone: string[] = [];
    for (let v = 1; v <= seq; v++) if (!kept.has(v)) gone.push(this.secretsKey(name, v));
    for (let i = 0; i < gone.length; i += 500) {
      const chunk = gone.slice(i, i + 500);
      await redisCall(() => this.redis.del(...chunk));
    }
  }

  async remove(name: string): Promise<void> {
    const keys = [this.key(name), this.indexKey(), `${this.key(name)}:releases`, this.domainsKey()];
    await redisCall(() => this.redis.eval(REMOVE, keys.length, ...keys, name, this.key(name), `${this.options.prefix}:release:${name}:`));
  }

  private seal(name: string, version: number, secrets: AppSecrets): string {
    return this.options.secretBox.seal(aad(name, version), JSON.stringify(secrets));
  }

  private key(name: string): string {
    return `${this.options.prefix}:app:${name}`;
  }

  private secretsKey(name: string, version: number): string {
    return `${this.key(name)}:secrets:${version}`;
  }

  private domainsKey(): string {
    return `${this.options.prefix}:app-domains`;
  }

  private indexKey(): string {
    return `${this.options.prefix}:apps`;
  }
}

/** What a secrets blob is bound to: the app and the version, so no blob opens as another. */
function aad(name: string, version: number): string {
  return `app:${name}:secrets:${version}`;
}
