package io.restycounter.core.http;

import io.restycounter.core.CounterEngine;
import io.restycounter.core.CounterKey;
import io.restycounter.core.StoreException;
import io.restycounter.core.report.HistoryImport;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;

/**
 * {@code POST /p-query/{tenant}/import} with the tenant's key (or API_KEY) and a {@code text/csv} body of
 * {@code counter,day,count} rows: loads them into the archive ({@link HistoryImport}). The body is read
 * up to {@value #MAX_BYTES} bytes (more: 413, nothing read further); a bad row 400, a count the logs hold
 * otherwise 409, each naming the line; nothing of a refused file is written. It takes a query slot while
 * it runs, so imports cannot crowd out a node.
 */
public final class HistoryImportAnswer {

    /** What a front door hands over for a POST: the Content-Type, Content-Length (-1 unknown) and the body. */
    public record Body(String contentType, long contentLength, InputStream stream) {
    }

    static final String POST = "POST";
    static final String SEGMENT = "import";
    /** The largest body: about 30,000 rows. */
    public static final int MAX_BYTES = 1 << 20;

    private final CounterEngine engine;
    private final CounterQuery query;

    HistoryImportAnswer(CounterEngine engine, CounterQuery query) {
        this.engine = engine;
        this.query = query;
    }

    /** Whether {@code path} (after the query mount, still encoded) is {@code /{tenant}/import}. */
    static boolean isImportPath(String path) {
        String[] both = PathSegments.split(path, 2);
        return both != null && SEGMENT.equals(both[1]);
    }

    CounterQuery.Answer answer(CounterQuery.Request r, Body body) {
        String tenant = PathSegments.split(r.path(), 2)[0];
        String key = QueryGuard.presentedKey(r.rawQuery(), r.apiKeyHeader(), r.authorization());
        if (key == null) {
            return CounterQuery.error(401, "apikey: required in X-Api-Key, Authorization: Bearer or ?apikey=", true);
        }
        CounterQuery.Answer refused = query.refuseKey(r, key, tenant, true);
        if (refused != null) {
            return refused;
        }
        if (!CounterKey.isValidTenant(tenant)) {
            return CounterQuery.error(404, "tenant: expected [a-z0-9]{1,32}", true);
        }
        if (!engine.tenants().admits(tenant)) {
            return CounterQuery.error(404, "tenant: not registered (OPEN_TENANTS=false)", true);
        }
        String type = body.contentType() == null ? "" : body.contentType().toLowerCase(Locale.ROOT);
        if (!type.equals("text/csv") && !type.startsWith("text/csv;")) {
            return CounterQuery.error(415, "Content-Type: expected text/csv, got \""
                    + (type.length() > 40 ? type.substring(0, 40) + "..." : type) + "\"", true);
        }
        if (body.contentLength() > MAX_BYTES) {
            return tooLarge();
        }
        QueryGuard.Slot slot = query.guard().enter(key, !engine.isApiKey(key), engine.now());
        if (slot == null) {
            return CounterQuery.tooMany(QueryGuard.TOO_MANY, true);
        }
        try (slot) {
            byte[] bytes = body.stream().readNBytes(MAX_BYTES + 1);
            if (bytes.length > MAX_BYTES) {
                return tooLarge();
            }
            LocalDate today = engine.today(tenant);
            var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT);
            var settings = engine.tenants().find(tenant);
            List<HistoryImport.Row> rows = HistoryImport.parse(
                    new InputStreamReader(new ByteArrayInputStream(bytes), decoder), today,
                    settings == null || settings.counters() == null ? c -> true : settings.counters()::allows);
            HistoryImport.Result done = HistoryImport.apply(engine.archive(),
                    (k, day) -> engine.counts(k, day, day).getOrDefault(day, 0L), today, engine.liveFrom(tenant), tenant, rows);
            return new CounterQuery.Answer(200, CounterQuery.JSON, CounterQuery.write(g -> {
                g.writeStringField("tenant", tenant);
                g.writeNumberField("rows", done.rows());
                g.writeNumberField("added", done.added());
                g.writeNumberField("replaced", done.replaced());
                g.writeNumberField("unchanged", done.unchanged());
            }));
        } catch (HistoryImport.Refused e) {
            return new CounterQuery.Answer(e.conflict() ? 409 : 400, CounterQuery.JSON, CounterQuery.write(g -> {
                g.writeStringField("error", e.getMessage());
                g.writeStringField("parameter", "body");
                g.writeArrayFieldStart("errors");
                for (String line : e.lines()) {
                    g.writeString(line);
                }
                g.writeEndArray();
            }));
        } catch (CharacterCodingException e) {
            return CounterQuery.error(400, "body: not UTF-8 text", true);
        } catch (IOException e) {
            return CounterQuery.error(400, "body: cannot be read: " + e.getMessage(), true);
        } catch (StoreException e) {
            return CounterQuery.error(503, "store: unavailable, try again (nothing or part of the file was written;"
                    + " importing it again finishes it)", true);
        }
    }

    /** With {@code Connection: close}: the rest of the body is left unread, so the connection cannot be reused. */
    private static CounterQuery.Answer tooLarge() {
        CounterQuery.Answer a = CounterQuery.error(413, "body: more than " + MAX_BYTES + " bytes: split the file", true);
        return new CounterQuery.Answer(413, a.contentType(), a.body(), java.util.Map.of("Connection", "close"));
    }
}
