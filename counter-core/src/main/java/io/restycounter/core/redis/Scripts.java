package io.restycounter.core.redis;

/** The Lua scripts of {@link BatchProtocol}. */
final class Scripts {

    /** Fields a fates hash takes for counters its day hash does not hold; see {@link #APPLY}. */
    static final int MAX_FATE_FIELDS = 10_000;

    /**
     * KEYS[1] marker, KEYS[2..m+1] day hashes, KEYS[m+2..2m+1] this node's hash of the same days, in the
     * same order ({@code m = (#KEYS - 1) / 2}). ARGV[1] marker TTL, ARGV[2..m+1] EXPIRE seconds per day (0 =
     * leave), ARGV[m+2..2m+1] the seconds each day's unique-visitor sketches live (0 = forever), then per
     * counter: index of the day hash in KEYS, field, increment, n, and |n| visitor ids; a negative n says
     * the sketch's expiry is set already (see {@link SentToday}), so it gets no EXPIRE.
     * <p>Each hash is read once (HMGET) and written once (HSET) whatever the number of counters in the
     * batch, instead of one HINCRBY per counter: Redis runs a handful of commands per flush. The script
     * is atomic, so read-add-write is as safe as HINCRBY; a day-hash field that holds no integer fails
     * the batch before anything is written, and the marker goes with it, so a retry is not mistaken for
     * a batch already applied. Lua numbers are doubles: exact to 2^53, far past any day's count.
     * <p>The node hash moves with the day hash in the same script, so it always holds exactly what this
     * node's batches added to the day: a restarted node compares it with its log ({@link CrashReplay}).
     * <p>A counter the day hash did not hold yet (HMGET already said so) joins the day's index, sorted set
     * {@code rcn:{tenant}:yyyyMMdd} (score 0, member = counter), which prefix queries page through with
     * ZRANGEBYLEX ... LIMIT: a ZADD of only the new counters, with the day hash's expiry. The index key is
     * built here from the day hash's, not passed in KEYS, so the batch layout stays as it is; it carries
     * the same hash tag, so it lives in the same cluster slot.
     * <p>Visitor ids go to HyperLogLog {@code rcu:{tenant}:yyyyMMdd:{counter}} (PFADD, at most 1000 a
     * command), which expires with its day hash; PFADD is idempotent, so no retry inflates it. An EXPIRE (day
     * hashes, fates, sketches) goes only with a node's first write of a key and day: "0" or a negative n
     * says it was set.
     * <p>A field {@code counter|fate} ({@link RedisFates}) is no count: it is HINCRBY'd into the fates hash
     * {@code rcf:{tenant}:yyyyMMdd}, under the same marker and with the day hash's expiry (the batch sends
     * it for every day with a fate). A counter the day hash does not hold adds a new field only while the
     * fates hash has fewer than {@value #MAX_FATE_FIELDS}; past that its fate goes to {@code *|fate}, so
     * refused hits on made-up counter names cannot grow the hash without bound.
     * <p>A field {@code counter#HH} ({@link RedisHours}) is an hour's count, added in a block of its own at the end to
     * {@code rch:{tenant}:yyyyMMdd} field {@code counter|HH} (with the day hash's expiry) and to the node hash field
     * {@code counter#HH}, so a crash replay ({@link CrashReplay}) brings the hours back to the log as it does the counts.
     */
    static final String APPLY = """
            if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
              return 0
            end
            local m = (#KEYS - 1) / 2
            local fields, incs, seen = {}, {}, {}
            for i = 2, m + 1 do
              fields[i], incs[i], seen[i] = {}, {}, {}
            end
            local sketches, fated, hourly = {}, {}, {}
            local i = 2 * m + 2
            while i <= #ARGV do
              local k, field, by, n = tonumber(ARGV[i]), ARGV[i + 1], tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3])
              local bar = string.find(field, '|', 1, true)
              local hour = string.find(field, '#', 1, true)
              if hour then
                hourly[#hourly + 1] = {k, string.sub(field, 1, hour - 1) .. '|' .. string.sub(field, hour + 1), by, field}
              elseif bar then
                fated[#fated + 1] = {k, field, by, string.sub(field, 1, bar - 1), string.sub(field, bar)}
              elseif by ~= 0 then
                local at = seen[k][field]
                if at then
                  incs[k][at] = incs[k][at] + by
                else
                  local f = fields[k]
                  f[#f + 1] = field
                  incs[k][#f] = by
                  seen[k][field] = #f
                end
              end
              local ttl = ARGV[k + m]
              if n < 0 then
                n, ttl = -n, '0'
              end
              if n > 0 then
                sketches[#sketches + 1] = {'rcu' .. string.sub(KEYS[k], 3) .. ':' .. field, i + 4, i + 3 + n, ttl}
              end
              i = i + 4 + n
            end
            local writes, own, fresh = {}, {}, {}
            for i = 2, m + 1 do
              local f = fields[i]
              if #f > 0 then
                local current = redis.call('HMGET', KEYS[i], unpack(f))
                local mine = redis.call('HMGET', KEYS[i + m], unpack(f))
                local kv, nv, zv = {}, {}, {}
                for j = 1, #f do
                  local base = 0
                  if not current[j] then
                    zv[#zv + 1] = 0
                    zv[#zv + 1] = f[j]
                  end
                  if current[j] then
                    base = tonumber(current[j])
                    if not base or string.find(current[j], '^-?%d+$') == nil then
                      redis.call('DEL', KEYS[1])
                      return redis.error_reply('ERR ' .. KEYS[i] .. ' ' .. f[j] .. ' holds no integer')
                    end
                  end
                  kv[2 * j - 1] = f[j]
                  kv[2 * j] = string.format('%d', base + incs[i][j])
                  nv[2 * j - 1] = f[j]
                  nv[2 * j] = string.format('%d', (tonumber(mine[j]) or 0) + incs[i][j])
                end
                writes[i], own[i], fresh[i] = kv, nv, zv
              end
            end
            for i = 2, m + 1 do
              if writes[i] then
                redis.call('HSET', KEYS[i], unpack(writes[i]))
                redis.call('HSET', KEYS[i + m], unpack(own[i]))
                if #fresh[i] > 0 then
                  redis.call('ZADD', 'rcn' .. string.sub(KEYS[i], 3), unpack(fresh[i]))
                end
              end
              if ARGV[i] ~= '0' then
                redis.call('EXPIRE', KEYS[i], ARGV[i])
                redis.call('EXPIRE', KEYS[i + m], ARGV[i])
                redis.call('EXPIRE', 'rcn' .. string.sub(KEYS[i], 3), ARGV[i])
              end
            end
            for _, f in ipairs(fated) do
              local key, field = 'rcf' .. string.sub(KEYS[f[1]], 3), f[2]
              if redis.call('HEXISTS', key, field) == 0 and redis.call('HEXISTS', KEYS[f[1]], f[4]) == 0
                  and redis.call('HLEN', key) >= MAX_FATE_FIELDS then
                field = '*' .. f[5]
              end
              redis.call('HINCRBY', key, field, f[3])
              if ARGV[f[1]] ~= '0' then
                redis.call('EXPIRE', key, ARGV[f[1]])
              end
            end
            for _, s in ipairs(sketches) do
              for j = s[2], s[3], 1000 do
                redis.call('PFADD', s[1], unpack(ARGV, j, math.min(j + 999, s[3])))
              end
              if s[4] ~= '0' then
                redis.call('EXPIRE', s[1], s[4])
              end
            end
            -- hourly counts (RedisHours), after every check: per day, the hours hash and the node hash read once
            -- and written once; a stray value counts as 0
            local byDay = {}
            for _, h in ipairs(hourly) do
              local g = byDay[h[1]]
              if not g then
                g = {f = {}, node = {}, inc = {}, at = {}}
                byDay[h[1]] = g
              end
              local at = g.at[h[2]]
              if at then
                g.inc[at] = g.inc[at] + h[3]
              else
                g.f[#g.f + 1] = h[2]
                g.node[#g.f] = h[4]
                g.inc[#g.f] = h[3]
                g.at[h[2]] = #g.f
              end
            end
            for k, g in pairs(byDay) do
              local key = 'rch' .. string.sub(KEYS[k], 3)
              local current = redis.call('HMGET', key, unpack(g.f))
              local mine = redis.call('HMGET', KEYS[k + m], unpack(g.node))
              local hv, nv = {}, {}
              for j = 1, #g.f do
                hv[2 * j - 1] = g.f[j]
                hv[2 * j] = string.format('%d', (tonumber(current[j]) or 0) + g.inc[j])
                nv[2 * j - 1] = g.node[j]
                nv[2 * j] = string.format('%d', (tonumber(mine[j]) or 0) + g.inc[j])
              end
              redis.call('HSET', key, unpack(hv))
              redis.call('HSET', KEYS[k + m], unpack(nv))
              if ARGV[k] ~= '0' then
                redis.call('EXPIRE', key, ARGV[k])
              end
            end
            return 1
            """.replace("MAX_FATE_FIELDS", Integer.toString(MAX_FATE_FIELDS));

    /**
     * KEYS[1..ARGV[2]] hourly hashes ({@link RedisHours}), then batch markers. ARGV[1] field prefix
     * {@code counter|}, ARGV[3] hours a day. Per hash ARGV[3] counts (field {@code counter|00} on), then 0/1
     * per marker.
     */
    static final String HOURS = """
            local n, h = tonumber(ARGV[2]), tonumber(ARGV[3])
            local fields = {}
            for j = 1, h do
              fields[j] = ARGV[1] .. string.format('%02d', j - 1)
            end
            local out = {}
            for i = 1, n do
              local v = redis.call('HMGET', KEYS[i], unpack(fields))
              for j = 1, h do
                out[#out + 1] = v[j] or '0'
              end
            end
            for i = n + 1, #KEYS do
              out[#out + 1] = redis.call('EXISTS', KEYS[i])
            end
            return out
            """;

    /**
     * KEYS: ARGV[1] day hashes, then batch markers; ARGV[2..]: counters. Returns per day hash the HMGET of
     * every counter (nil where none), then 1 or 0 per marker: read at one instant, so a batch is either
     * in the counts or its marker is missing, never both.
     */
    static final String READ_PAGE = """
            local n = tonumber(ARGV[1])
            local out = {}
            for i = 1, n do
              out[i] = redis.call('HMGET', KEYS[i], unpack(ARGV, 2))
            end
            for i = n + 1, #KEYS do
              out[i] = redis.call('EXISTS', KEYS[i])
            end
            return out
            """;

    /**
     * KEYS: the day sketches of a range, cut into runs of one period each; ARGV: the length of each run.
     * Returns each day's PFCOUNT, then each run's PFCOUNT over all its days (their union).
     */
    static final String UNIQUES = """
            local out = {}
            for i = 1, #KEYS do
              out[i] = redis.call('PFCOUNT', KEYS[i])
            end
            local at = 1
            for r = 1, #ARGV do
              local n = tonumber(ARGV[r])
              if n == 1 then
                out[#KEYS + r] = out[at]
              else
                out[#KEYS + r] = redis.call('PFCOUNT', unpack(KEYS, at, at + n - 1))
              end
              at = at + n
            end
            return out
            """;

    private Scripts() {
    }
}
