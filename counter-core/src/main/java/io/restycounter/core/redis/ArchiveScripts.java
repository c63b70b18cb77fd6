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
     * KEYS[1] the node's share of the day, KEYS[2] the month ({@code counter:dd} and {@code counter:t}),
     * KEYS[3] the month's counter index, KEYS[4] the tenant's all-time totals, KEYS[5] how far they are
     * built ({@link RedisAllTime}).
     * ARGV[1] the day's field suffix, then counter/count pairs (0: the node no longer counts that counter).
     * Every counter with a count joins the index, even unchanged, so aggregating a day again indexes an
     * archive written before the index existed. A day total that moves moves the all-time total by as
     * much, where that total already holds the day.
     */
    static final String SHARE = RedisAllTime.COUNTED_IN_TOTALS + """
            local month = string.sub(KEYS[2], -6)
            local suffix = ARGV[1]
            if redis.call('EXISTS', KEYS[2]) == 0 then
              redis.call('HSET', KEYS[2], '$TOTALS_KEPT', '1')
            end
            local indexed = {}
            for i = 2, #ARGV, 2 do
              local counter, new = ARGV[i], tonumber(ARGV[i + 1])
              if new ~= 0 then
                indexed[#indexed + 1] = 0
                indexed[#indexed + 1] = counter
              end
              local old = tonumber(redis.call('HGET', KEYS[1], counter) or '0')
              if new ~= old then
                if new == 0 then
                  redis.call('HDEL', KEYS[1], counter)
                else
                  redis.call('HSET', KEYS[1], counter, ARGV[i + 1])
                end
                for _, field in ipairs({counter .. suffix, counter .. ':t'}) do
                  if redis.call('HINCRBY', KEYS[2], field, string.format('%d', new - old)) == 0 then
                    redis.call('HDEL', KEYS[2], field)
                  end
                end
                if counted(month, counter) then
                  if redis.call('HINCRBY', KEYS[4], counter, string.format('%d', new - old)) == 0 then
                    redis.call('HDEL', KEYS[4], counter)
                  end
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
    static final String MOVE_FIELDS = """
            local suffix = ARGV[1]
            for i = 2, #ARGV, 2 do
              local field, new = ARGV[i], tonumber(ARGV[i + 1])
              local old = tonumber(redis.call('HGET', KEYS[1], field) or '0')
              if new ~= old then
                if new == 0 then
                  redis.call('HDEL', KEYS[1], field)
                else
                  redis.call('HSET', KEYS[1], field, ARGV[i + 1])
                end
                local f = field .. suffix
                if redis.call('HINCRBY', KEYS[2], f, string.format('%d', new - old)) == 0 then
                  redis.call('HDEL', KEYS[2], f)
                end
              end
            end
            return 1
            """;
}
