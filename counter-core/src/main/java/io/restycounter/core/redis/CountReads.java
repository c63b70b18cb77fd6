package io.restycounter.core.redis;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.restycounter.core.StoreException;
import java.util.List;

/**
 * The READ_PAGE script: many counters' fields in some day hashes, then whether each following batch
 * marker exists, at one instant. A read is sent and awaited apart, so the reads of many pages go out
 * before the first answer is awaited and share about one round trip.
 */
final class CountReads {

    private static final String READ_PAGE_SHA = BatchProtocol.sha1(Scripts.READ_PAGE);

    private final String where;

    CountReads(String where) {
        this.where = where;
    }

    /** One read in flight: its keys and arguments, kept to send it again as EVAL if Redis lost the script. */
    static final class Sent {
        private final StatefulConnection<String, String> connection;
        private final String script;
        private final String[] keys;
        private final String[] args;
        private final RedisFuture<List<Object>> reply;
        private List<Object> answer;

        private Sent(StatefulConnection<String, String> connection, String script, String[] keys, String[] args,
                RedisFuture<List<Object>> reply) {
            this.connection = connection;
            this.script = script;
            this.keys = keys;
            this.args = args;
            this.reply = reply;
        }
    }

    /**
     * Sends the READ_PAGE of {@code counters} in the first {@code days} of {@code keys} (one HMGET a day
     * hash), then whether each following marker exists; await it with {@link #await}.
     */
    Sent sendPage(StatefulConnection<String, String> query, List<String> keys, List<String> counters, int days) {
        String[] k = keys.toArray(String[]::new);
        String[] args = new String[counters.size() + 1];
        args[0] = Integer.toString(days);
        for (int i = 0; i < counters.size(); i++) {
            args[i + 1] = counters.get(i);
        }
        return new Sent(query, Scripts.READ_PAGE, k, args,
                RedisConnector.async(query).evalsha(READ_PAGE_SHA, ScriptOutputType.MULTI, k, args));
    }

    /** The answer of {@code sent}, waited for once: awaiting it again answers the same. */
    List<Object> await(Sent sent) throws StoreException {
        if (sent.answer == null) {
            sent.answer = answer(sent);
        }
        return sent.answer;
    }

    private List<Object> answer(Sent sent) throws StoreException {
        try {
            return BatchProtocol.read(where, "read", () -> sent.reply);
        } catch (StoreException e) {
            if (!BatchProtocol.isNoScript(e.getCause())) {
                throw e;
            }
            RedisClusterAsyncCommands<String, String> redis = RedisConnector.async(sent.connection);
            return BatchProtocol.read(where, "read",
                    () -> redis.<List<Object>>eval(sent.script, ScriptOutputType.MULTI, sent.keys, sent.args));
        }
    }
}
