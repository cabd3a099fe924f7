/**
 * Lua shared by the stores whose records are written by fenced worker attempts (builds,
 * deployments, jobs; image operations use the capped append alone): the record is a hash at KEYS[1] with an `attempts` count, its log a list at KEYS[2].
 */

// The fence: a worker's attempt number (from countAttempt) must still be the record's latest, so an
// attempt that another worker took over (its worker frozen past the lock) changes nothing. '' = none.
export const FENCE = `
local function stale(attempt)
  return attempt ~= '' and redis.call('HGET', KEYS[1], 'attempts') ~= attempt
end`;

// Appends ARGV[4..] to the log within the byte cap ARGV[1]; the line that would pass the cap is
// replaced by the notice ARGV[2] and the log marked truncated. 1 = all appended, 0 = not.
export const APPEND_CAPPED = `
local function append_capped()
  local used = tonumber(redis.call('HGET', KEYS[1], 'log_bytes') or '0')
  local cap = tonumber(ARGV[1])
  for i = 4, #ARGV do
    if redis.call('HGET', KEYS[1], 'log_truncated') == '1' then return 0 end
    local size = string.len(ARGV[i])
    if used + size > cap then
      redis.call('RPUSH', KEYS[2], ARGV[2])
      redis.call('HSET', KEYS[1], 'log_truncated', '1')
      return 0
    end
    used = used + size
    redis.call('RPUSH', KEYS[2], ARGV[i])
  end
  redis.call('HSET', KEYS[1], 'log_bytes', used)
  return 1
end`;

/** The fence argument of a write: the attempt number, or '' for an unfenced write. */
export function fenceArg(attempt: number | undefined): string {
  return attempt === undefined ? '' : String(attempt);
}

/** Appends log lines within the byte cap unless the attempt is stale. KEYS: record, log. ARGV: cap, notice, attempt, line... */
export const APPEND_FENCED_LOG = `${FENCE}${APPEND_CAPPED}
if stale(ARGV[3]) then return 0 end
return append_capped()`;
