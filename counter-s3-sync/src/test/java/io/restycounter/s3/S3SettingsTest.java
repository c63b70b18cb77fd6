package io.restycounter.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.core.ConfigException;
import io.restycounter.core.Settings;
import io.restycounter.core.log.LogFileName;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class S3SettingsTest {

    private static S3Settings parse(Map<String, String> values) {
        return S3Settings.from(Settings.of(values)).orElseThrow();
    }

    @Test
    void unsetAwsPathMeansLogsStayLocal() {
        assertTrue(S3Settings.from(Settings.of(Map.of("S3_GZIP", "true"))).isEmpty());
    }

    @Test
    void bucketAlone() {
        S3Settings s = parse(Map.of("AWS_PATH", "my-logs"));
        assertEquals("my-logs", s.bucket());
        assertEquals("", s.prefix());
        assertEquals("year=2026/month=01/day=05/2026-01-05-access.log",
                s.keyFor(new LogFileName(LocalDate.of(2026, 1, 5), null)));
        assertFalse(s.gzip());
        assertEquals(S3Settings.DEFAULT_RETAIN_DAYS, s.retainDays());
        assertEquals(ZoneId.of("UTC"), s.zone());
        assertEquals(Path.of("./data/logs"), s.logDir());
        assertNull(s.endpoint());
    }

    @Test
    void bucketWithRootFolderGzipAndNode() {
        S3Settings s = parse(Map.of("AWS_PATH", "s3://my.logs/counter/raw/", "S3_GZIP", "true",
                "S3_ENDPOINT", "http://127.0.0.1:9000", "LOG_RETAIN_DAYS", "0", "TIMEZONE", "Europe/Berlin",
                "AWS_DEFAULT_REGION", "eu-central-1"));
        assertEquals("my.logs", s.bucket());
        assertEquals("counter/raw/", s.prefix());
        assertEquals("counter/raw/year=2026/month=11/day=28/2026-11-28-web-2-access.log.gz",
                s.keyFor(new LogFileName(LocalDate.of(2026, 11, 28), "web-2")));
        assertEquals("http://127.0.0.1:9000", s.endpoint().toString());
        assertEquals(0, s.retainDays());
        assertEquals("eu-central-1", s.region().id());
    }

    @ParameterizedTest
    @ValueSource(strings = {"ab", "My-Bucket", "bucket_1", "-bucket", "bucket-", "bu..cket", "bucket//x", "bucket/a b", "/bucket"})
    void badAwsPathNamesTheSetting(String value) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(Map.of("AWS_PATH", value)));
        assertTrue(e.getMessage().startsWith("AWS_PATH: "), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost:9000", "ftp://host", "http://", "http://user:pw@host"})
    void badEndpointNamesTheSetting(String value) {
        ConfigException e = assertThrows(ConfigException.class,
                () -> parse(Map.of("AWS_PATH", "bucket", "S3_ENDPOINT", value)));
        assertTrue(e.getMessage().startsWith("S3_ENDPOINT: "), e.getMessage());
    }

    @Test
    void otherBadValuesNameTheirSetting() {
        assertTrue(assertThrows(ConfigException.class, () -> parse(Map.of("AWS_PATH", "bucket", "S3_GZIP", "maybe")))
                .getMessage().startsWith("S3_GZIP: "));
        assertTrue(assertThrows(ConfigException.class, () -> parse(Map.of("AWS_PATH", "bucket", "LOG_RETAIN_DAYS", "-1")))
                .getMessage().startsWith("LOG_RETAIN_DAYS: "));
        assertTrue(assertThrows(ConfigException.class, () -> parse(Map.of("AWS_PATH", "bucket", "TIMEZONE", "Mars/Base")))
                .getMessage().startsWith("TIMEZONE: "));
    }
}
