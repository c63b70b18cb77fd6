package io.restycounter.core.redis;

/**
 * The scripts that write the archive's month hashes {@code rca:{tenant}:yyyyMM}: beside each day's field
 * {@code counter:dd} a share keeps the counter's month total {@code counter:t} (a counter never holds ':'),
 * moved by the same difference in the same call, so a ranking over most of a month reads one field
 * instead of one per day ({@link ArchiveDays#totals}). The field {@code :totals} says the month's totals
 * were kept from its first share on; a month archived before them has none and is read day by day.
 */
final class ArchiveScripts {

    /** The field that says a month hash keeps its counters' month totals. */
    static final String TOTALS_KEPT = ":totals";

    private ArchiveScripts() {
    }

    /**
     * Lua: {@code moved(share, field, value)} sets a field of a node's share to {@code value} ("0" deletes
     * it) and returns the change; {@code add(hash, field, by)} moves a total by it, and deletes a total
     * that reaches 0. Every script that writes the archive's totals moves them with these.
     */
    static final String SHARE_FUNCTIONS = """
            local function moved(share, field, value)
              local new = tonumber(value)
              local old = tonumber(redis.call('HGET', share, field) or '0')
              if new ~= old then
                if new == 0 then
                  redis.call('HDEL', share, field)
                else
                  redis.call('HSET', share, field, value)
                end
              end
              return new - old
            end
            local function add(hash, field, by)
              if redis.call('HINCRBY', hash, field, string.format('%d', by)) == 0 then
                redis.call('HDEL', hash, field)
              end
            end
            """;

    /**
     * KEYS[1] the node's share of the day, KEYS[2] the month ({@code counter:dd} and {@code counter:t}),
     * KEYS[3] the month's counter index, KEYS[4] the tenant's all-time totals, KEYS[5] how far they are
     * built ({@link RedisAllTime}).
     * ARGV[1] the day's field suffix, then counter/count pairs (0: the node no longer counts that counter).
     * Every counter with a count joins the index, even unchanged, so aggregating a day again indexes an
     * archive written before the index existed. A day total that moves moves the all-time total by as
     * much, where that total already holds the day.
     */
    static final String SHARE = RedisAllTime.COUNTED_IN_TOTALS + SHARE_FUNCTIONS + """
            local month = string.sub(KEYS[2], -6)
            local suffix = ARGV[1]
            if redis.call('EXISTS', KEYS[2]) == 0 then
              redis.call('HSET', KEYS[2], '$TOTALS_KEPT', '1')
            end
            local indexed = {}
            for i = 2, #ARGV, 2 do
              local counter = ARGV[i]
              if tonumber(ARGV[i + 1]) ~= 0 then
                indexed[#indexed + 1] = 0
                indexed[#indexed + 1] = counter
              end
              local change = moved(KEYS[1], counter, ARGV[i + 1])
              if change ~= 0 then
                add(KEYS[2], counter .. suffix, change)
                add(KEYS[2], counter .. ':t', change)
                if counted(month, counter) then
                  add(KEYS[4], counter, change)
                end
              end
            end
            if #indexed > 0 then
              redis.call('ZADD', KEYS[3], unpack(indexed))
            end
            return 1
            """.replace("$TOTALS_KEPT", TOTALS_KEPT);

    /**
     * As {@link #SHARE} for the {@code +import} share, with KEYS[5] the month's imported counts
     * ({@code rca:{tenant}:yyyyMM:imp}, field {@code counter:dd}) written in the same call, and the
     * progress of the all-time build last (KEYS[6]).
     */
    static final String IMPORT = SHARE.substring(0, SHARE.lastIndexOf("return 1")) + """
            for i = 2, #ARGV, 2 do
              if tonumber(ARGV[i + 1]) == 0 then
                redis.call('HDEL', KEYS[5], ARGV[i] .. suffix)
              else
                redis.call('HSET', KEYS[5], ARGV[i] .. suffix, ARGV[i + 1])
              end
            end
            return 1
            """;

    /**
     * KEYS[1] a node's share, KEYS[2] the totals of every node's shares; ARGV[1] the suffix a share's field
     * takes in the totals, then field/count pairs (0: none any more); each total moves by the change in the
     * share. Fates: share {@code rca:{tenant}:yyyyMMdd:f:{node}}, field {@code counter|fate}, into the
     * month's {@code rca:{tenant}:yyyyMM:f}, field {@code counter|fate:dd}; hours ({@link RedisArchiveHours}):
     * no suffix.
     */
    static final String MOVE_FIELDS = SHARE_FUNCTIONS + """
            local suffix = ARGV[1]
            for i = 2, #ARGV, 2 do
              local change = moved(KEYS[1], ARGV[i], ARGV[i + 1])
              if change ~= 0 then
                add(KEYS[2], ARGV[i] .. suffix, change)
              end
            end
            return 1
            """;
}
