import { RECORD_OUTCOME } from '../metrics/outcome.scripts';
import { APPEND_CAPPED, FENCE } from '../redis/fenced-log.scripts';

/**
 * The Lua steps of RedisDeploymentStore. Each runs atomically in Redis: that is what makes latest
 * wins, the one claim per app and the attempt fence hold with many API processes and workers.
 * Keys of other deployments are built from the prefix inside CREATE and CLAIM (single Redis, no cluster).
 */

// Lua's view of the ends, kept in step with DEPLOYMENT_ENDS.
const ENDED = `
local ENDS = { succeeded = true, failed = true, cancelled = true, superseded = true, skipped = true }
local function ended(status) return status == false or ENDS[status] == true end`;

// Ends a deployment's bookkeeping: off the active set, claim released if it holds it, kept for the
// retention (a succeeded record stays: it is the history behind a release). KEYS: record, log, active, claim.
const FINISH = `
local function finish(id, status, retention)
  redis.call('SREM', KEYS[3], id)
  if redis.call('GET', KEYS[4]) == id then redis.call('DEL', KEYS[4]) end
  redis.call('EXPIRE', KEYS[2], retention)
  if status ~= 'succeeded' then redis.call('EXPIRE', KEYS[1], retention) end
end`;

// An ended deployment is counted in the outcome metrics (KEYS[5]) in the same step; its duration
// runs from its first phase of work (none when it ended while queued).
// KEYS: record, log, active, claim, outcome metrics. ARGV: attempt, status, now, id, retention, field, value...
export const TRANSITION = `${ENDED}${FENCE}${FINISH}${RECORD_OUTCOME}
local current = redis.call('HGET', KEYS[1], 'status')
if not current then return -1 end
if ended(current) then return 0 end
if stale(ARGV[1]) then return -2 end
redis.call('HSET', KEYS[1], 'status', ARGV[2], 't:' .. ARGV[2], ARGV[3], unpack(ARGV, 6))
if ENDS[ARGV[2]] then
  finish(ARGV[4], ARGV[2], tonumber(ARGV[5]))
  local t = redis.call('HMGET', KEYS[1], 't:queued', 't:building', 't:starting')
  record_outcome(KEYS[5], ARGV[2], t[1], t[2] or t[3], ARGV[3])
end
return 1`;

// KEYS: record. ARGV: attempt, field, value...
export const UPDATE = `${FENCE}
if redis.call('EXISTS', KEYS[1]) == 0 or stale(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
return 1`;

export const COUNT_ATTEMPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
return redis.call('HINCRBY', KEYS[1], 'attempts', 1)`;

// Creates a queued deployment and supersedes the app's other queued ones no worker has claimed,
// in one step: two creates at once leave exactly one of them queued (latest wins).
// KEYS: record, index, active, claim, outcome metrics. ARGV: id, score, now, prefix, retention, field, value...
export const CREATE = `${ENDED}${RECORD_OUTCOME}
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local holder = redis.call('GET', KEYS[4])
local superseded = {}
for _, other in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  local key = ARGV[4] .. ':deploy:' .. other
  local status = redis.call('HGET', key, 'status')
  if ended(status) then
    redis.call('SREM', KEYS[3], other)
  elseif status == 'queued' and other ~= holder then
    redis.call('HSET', key, 'status', 'superseded', 't:superseded', ARGV[3], 'reason', 'superseded by deployment ' .. ARGV[1])
    redis.call('SREM', KEYS[3], other)
    redis.call('EXPIRE', key, ARGV[5])
    redis.call('EXPIRE', key .. ':log', ARGV[5])
    superseded[#superseded + 1] = other
    record_outcome(KEYS[5], 'superseded', false, false, false)
  end
end
redis.call('HSET', KEYS[1], 'status', 'queued', 't:queued', ARGV[3], 'attempts', '0', unpack(ARGV, 6))
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[1])
return superseded`;

// The app's one running deployment. KEYS: claim. ARGV: id, prefix.
export const CLAIM = `${ENDED}
if ended(redis.call('HGET', ARGV[2] .. ':deploy:' .. ARGV[1], 'status')) then return 0 end
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] and not ended(redis.call('HGET', ARGV[2] .. ':deploy:' .. holder, 'status')) then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
return 1`;

// Appends log lines within a byte cap, unless the attempt is stale. KEYS: record, log. ARGV: cap, notice, attempt, line...
export const APPEND_LOG = `${FENCE}${APPEND_CAPPED}
if redis.call('EXISTS', KEYS[1]) == 0 or stale(ARGV[3]) then return 0 end
if append_capped() == 0 then return 0 end
local ttl = redis.call('TTL', KEYS[1])
if ttl > 0 then redis.call('EXPIRE', KEYS[2], ttl) end
return 1`;
