/**
 * Outcomes of builds and deployments, counted in Redis by the Lua step that ends the record: the
 * count and the duration histogram move exactly once per ended record, whichever worker or API
 * process ends it, and outlive any restart. The API reads them at scrape time
 * (`redis-outcome.reader.ts`). This module imports nothing: the stores splice its Lua in.
 */

/** Upper bounds (seconds) of the duration buckets; `+Inf` is the observed count. */
export const OUTCOME_BUCKETS: readonly number[] = [1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600];

export type OutcomeKind = 'builds' | 'deployments';

/**
 * The hash of one kind's outcomes: `n:<result>` ended; the duration's observed count, seconds and
 * cumulative buckets `c:<result>`, `s:<result>`, `b:<result>:<le>`; the wait from queued to the
 * first step of work likewise under `wc:`, `ws:`, `wb:`.
 */
export function outcomeKey(prefix: string, kind: OutcomeKind): string {
  return `${prefix}:metrics:${kind}`;
}

/**
 * Lua: `record_outcome(key, result, queued, started, ended)` counts an ended record and, when it
 * started (`started` an ISO time, else false), observes its duration `ended - started` (`ended` an
 * ISO time, else Redis' clock) and its wait `started - queued`. Times are the stores'
 * `toISOString()` ones, UTC.
 */
export const RECORD_OUTCOME = `
local OUTCOME_BUCKETS = { ${OUTCOME_BUCKETS.join(', ')} }
local function iso_seconds(s)
  if not s then return nil end
  local y, mo, d, h, mi, sec = string.match(s, '^(%d+)-(%d+)-(%d+)T(%d+):(%d+):([%d%.]+)Z$')
  if not y then return nil end
  y, mo, d = tonumber(y), tonumber(mo), tonumber(d)
  if mo <= 2 then y = y - 1 end
  local era = math.floor(y / 400)
  local yoe = y - era * 400
  local doy = math.floor((153 * ((mo + 9) % 12) + 2) / 5) + d - 1
  local days = era * 146097 + yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy - 719468
  -- Days since 1970-01-01 (days_from_civil), so that Redis' TIME compares with it.
  return days * 86400 + tonumber(h) * 3600 + tonumber(mi) * 60 + tonumber(sec)
end
-- Adds one observation of \`d\` seconds to the histogram under field names \`<c>:\`, \`<s>:\`, \`<b>:\`.
local function observe(key, c, s, b, result, d)
  if d < 0 then d = 0 end
  redis.call('HINCRBY', key, c .. ':' .. result, 1)
  redis.call('HINCRBYFLOAT', key, s .. ':' .. result, string.format('%.6f', d))
  for _, le in ipairs(OUTCOME_BUCKETS) do
    if d <= le then redis.call('HINCRBY', key, b .. ':' .. result .. ':' .. le, 1) end
  end
end
local function record_outcome(key, result, queued, started, ended)
  redis.call('HINCRBY', key, 'n:' .. result, 1)
  local s = iso_seconds(started)
  if not s then return end
  local e = iso_seconds(ended)
  if not e then
    local t = redis.call('TIME')
    e = tonumber(t[1]) + tonumber(t[2]) / 1e6
  end
  observe(key, 'c', 's', 'b', result, e - s)
  local q = iso_seconds(queued)
  if q then observe(key, 'wc', 'ws', 'wb', result, s - q) end
end`;
