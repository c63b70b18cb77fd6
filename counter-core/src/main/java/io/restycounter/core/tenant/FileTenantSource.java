package io.restycounter.core.tenant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import io.restycounter.core.AtomicFiles;
import io.restycounter.core.StoreException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * The registry in a TOML file (TENANTS), one table per tenant:
 *
 * <pre>
 * # comments are allowed
 * [acme]
 * max-new-counters-per-day = 50000
 * counters = ["home", "blog-*"]
 * </pre>
 *
 * A missing file is an empty registry. The {@code tenant} command rewrites the file whole (atomically,
 * owner-only since it may hold signing secrets), under a lock beside it so two commands at once lose
 * nothing; comments written by hand are not kept.
 */
public final class FileTenantSource implements TenantSource {

    private static final ObjectMapper TOML = new TomlMapper();
    private static final String HEADER = """
            # resty-counter tenants (TENANTS): one table per tenant, see the README's "Tenants".
            # Rewritten by the tenant command, which keeps every tenant but not comments.
            """;

    private final Path file;

    public FileTenantSource(Path file) {
        this.file = file;
    }

    public Path file() {
        return file;
    }

    /** The file's modification time and size (nanosecond times on most file systems), or "missing". */
    @Override
    public Object version() throws StoreException {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return List.of(a.lastModifiedTime(), a.size(), String.valueOf(a.fileKey()));
        } catch (NoSuchFileException e) {
            return "missing";
        } catch (IOException e) {
            throw new StoreException("TENANTS: cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Map<String, TenantSettings> load() throws StoreException {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            return Map.of();
        } catch (IOException e) {
            throw new StoreException("TENANTS: cannot read " + file + ": " + e.getMessage(), e);
        }
        return parse(text);
    }

    private Map<String, TenantSettings> parse(String text) throws StoreException {
        JsonNode root;
        try {
            root = TOML.readTree(text);
        } catch (IOException e) {
            throw new StoreException("TENANTS: " + file + " is not TOML: " + firstLine(e.getMessage()));
        }
        Map<String, TenantSettings> tenants = new TreeMap<>();
        if (root == null) {
            return tenants;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> table = it.next();
            if (!table.getValue().isObject()) {
                throw new StoreException("TENANTS: " + file + ": expected one table per tenant ([" + table.getKey()
                        + "]), got a value for \"" + table.getKey() + "\"");
            }
            try {
                tenants.put(table.getKey(), TenantSettings.parse(table.getKey(), values(table.getValue())));
            } catch (IllegalArgumentException e) {
                throw new StoreException("TENANTS: " + file + ": " + e.getMessage());
            }
        }
        return tenants;
    }

    private static Map<String, Object> values(JsonNode table) {
        Map<String, Object> values = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = table.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            Object value;
            if (v.isArray()) {
                List<Object> list = new ArrayList<>();
                v.forEach(item -> list.add(item.isTextual() ? item.asText() : item.toString()));
                value = list;
            } else if (v.isIntegralNumber()) {
                value = v.longValue();
            } else {
                value = v.isTextual() ? v.asText() : v.toString();
            }
            values.put(e.getKey(), value);
        }
        return values;
    }

    @Override
    public TenantSettings update(String id, boolean create, UnaryOperator<TenantSettings> change) throws StoreException {
        return locked(() -> {
            Map<String, TenantSettings> tenants = new TreeMap<>(load());
            TenantSettings before = tenants.get(id);
            if (before == null && !create) {
                throw new UnknownTenantException(id, describe());
            }
            TenantSettings after = change.apply(before == null ? TenantSettings.of(id) : before);
            tenants.put(id, after);
            write(tenants);
            return after;
        });
    }

    @Override
    public boolean remove(String id) throws StoreException {
        return locked(() -> {
            Map<String, TenantSettings> tenants = new TreeMap<>(load());
            if (tenants.remove(id) == null) {
                return false;
            }
            write(tenants);
            return true;
        });
    }

    @Override
    public String describe() {
        return "TENANTS " + file;
    }

    private interface Work<T> {
        T run() throws StoreException;
    }

    private synchronized <T> T locked(Work<T> work) throws StoreException {
        Path lock = file.resolveSibling(file.getFileName() + ".lock");
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            try (FileChannel channel = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock held = channel.lock()) {
                return work.run();
            }
        } catch (IOException e) {
            throw new StoreException("TENANTS: cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private void write(Map<String, TenantSettings> tenants) throws StoreException {
        StringBuilder out = new StringBuilder(HEADER);
        for (TenantSettings t : tenants.values()) {
            out.append('\n').append('[').append(t.id()).append("]\n");
            for (Map.Entry<String, Object> e : t.values().entrySet()) {
                out.append(e.getKey()).append(" = ").append(toml(e.getValue())).append('\n');
            }
        }
        try {
            AtomicFiles.write(file, out.toString(), ownerOnly());
        } catch (IOException e) {
            throw new StoreException("TENANTS: cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static FileAttribute<?>[] ownerOnly() {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix")
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
                : new FileAttribute<?>[0];
    }

    private static String toml(Object value) {
        if (value instanceof Number) {
            return value.toString();
        }
        if (value instanceof List<?> list) {
            List<String> items = new ArrayList<>();
            list.forEach(item -> items.add(quote(item.toString())));
            return "[" + String.join(", ", items) + "]";
        }
        return quote(value.toString());
    }

    /** A TOML basic string. */
    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
