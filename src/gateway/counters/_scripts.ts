/**
 * Folder-private: the Lua scripts of the Redis counter store. Each runs atomically on the server, so a
 * check and its count can never interleave with another node's (spec/apim.md §5.1).
 *
 * Both take the clock in ARGV: a negative value means "use the Redis server's TIME", which gives every
 * node one clock; tests pass their own.
 */

/** Lua: the current time in ms, from ARGV or the server's clock. */
const CLOCK = `
local function clock(given)
  local now = tonumber(given)
  if now >= 0 then return now end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

/**
 * Sliding window on a sorted set of one member per counted call, scored by its time.
 * KEYS[1] the set; ARGV: mode (`take` | `peek` | `add`), limit, window ms, count, now (−1 = TIME),
 * a member prefix unique to this call.
 * Returns `{admitted (1|0), calls in the window before this one, ms to wait when refused}`.
 */
export const RATE_SCRIPT = `${CLOCK}
local mode, limit, window, count = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local now = clock(ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local total = redis.call('ZCARD', KEYS[1])
if mode == 'peek' then count = 1 end
if mode == 'add' or (mode == 'take' and total + count <= limit) then
  for i = 1, count do redis.call('ZADD', KEYS[1], now, ARGV[6] .. i) end
  if count > 0 then redis.call('PEXPIRE', KEYS[1], math.max(window, 1)) end
  return {1, total, 0}
end
if total + count <= limit then return {1, total, 0} end
local excess = total + count - limit
if excess > total then return {0, total, window} end
local oldest = redis.call('ZRANGE', KEYS[1], excess - 1, excess - 1, 'WITHSCORES')
return {0, total, tonumber(oldest[2]) + window - now}
`;

/**
 * Fixed window on a hash `{start, total}`: the total resets when the window holding `now` starts later
 * than the stored one; the key expires when its window ends (never for a lifetime quota). Expiry is
 * relative (PEXPIRE, not PEXPIREAT) so that it stays right when the caller passes its own clock.
 * KEYS[1] the hash; ARGV: mode, limit, amount, period ms (0 = never renews), period start ms, now.
 * Returns `{admitted, total after this call, ms until the window ends or −1 when it never does}`; the
 * numbers are strings because Redis truncates Lua numbers to integers.
 */
export const QUOTA_SCRIPT = `${CLOCK}
local mode, limit, amount = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local period, anchor = tonumber(ARGV[4]), tonumber(ARGV[5])
local now = clock(ARGV[6])
local start, finish = anchor, -1
if period > 0 then
  start = anchor + math.floor((now - anchor) / period) * period
  finish = start + period
end
local stored = redis.call('HMGET', KEYS[1], 'start', 'total')
local total = 0
if tonumber(stored[1]) == start then total = tonumber(stored[2]) or 0 end
local admitted = 0
if mode == 'add' or (mode == 'take' and total + amount <= limit) then
  total = total + amount
  redis.call('HSET', KEYS[1], 'start', string.format('%.17g', start), 'total', string.format('%.17g', total))
  if period > 0 then redis.call('PEXPIRE', KEYS[1], math.max(finish - now, 1)) else redis.call('PERSIST', KEYS[1]) end
  admitted = 1
elseif mode == 'peek' and total < limit then
  admitted = 1
end
local wait = -1
if period > 0 then wait = finish - now end
return {admitted, string.format('%.17g', total), string.format('%.17g', wait)}
`;
