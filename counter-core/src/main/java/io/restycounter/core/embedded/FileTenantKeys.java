package io.restycounter.core.embedded;

import io.restycounter.core.AtomicFiles;
import io.restycounter.core.StoreException;
import io.restycounter.core.TenantKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Tenant keys in a file of lines {@code tenant:sha256hex} ({@code #} starts a comment). The file is
 * read again when it changes, so a key created or revoked by {@code tenant key} counts at once. The tenant command writes here for a tenant only this file knows.
 */
public final class FileTenantKeys implements TenantKeys {

    private final Path file;
    private FileTime loadedAt;
    private long loadedSize = -1;
    private Map<String, Set<String>> keys = Map.of();

    public FileTenantKeys(Path file) {
        this.file = file;
    }

    @Override
    public synchronized Set<String> digests(String tenant) throws StoreException {
        try {
            FileTime modified = Files.getLastModifiedTime(file);
            long size = Files.size(file);
            if (!modified.equals(loadedAt) || size != loadedSize) {
                keys = parse(Files.readAllLines(file, StandardCharsets.UTF_8));
                loadedAt = modified;
                loadedSize = size;
            }
        } catch (NoSuchFileException e) {
            keys = Map.of();
            loadedAt = null;
        } catch (IOException e) {
            throw new StoreException("TENANT_KEYS: cannot read " + file + ": " + e.getMessage(), e);
        }
        return keys.getOrDefault(tenant, Set.of());
    }

    private static Map<String, Set<String>> parse(List<String> lines) {
        Map<String, Set<String>> out = new HashMap<>();
        for (String line : lines) {
            String l = line.strip();
            int colon = l.indexOf(':');
            if (l.isEmpty() || l.startsWith("#") || colon <= 0) {
                continue;
            }
            out.computeIfAbsent(l.substring(0, colon), t -> new HashSet<>()).add(l.substring(colon + 1).toLowerCase());
        }
        return out;
    }

    @Override
    public synchronized void add(String tenant, String digestHex) throws StoreException {
        List<String> lines = read();
        lines.add(tenant + ":" + digestHex);
        write(lines);
    }

    @Override
    public synchronized int revokeAll(String tenant) throws StoreException {
        List<String> lines = read();
        int before = lines.size();
        lines.removeIf(l -> l.strip().startsWith(tenant + ":"));
        write(lines);
        return before - lines.size();
    }

    private List<String> read() throws StoreException {
        try {
            return new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return new ArrayList<>();
        } catch (IOException e) {
            throw new StoreException("TENANT_KEYS: cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private void write(List<String> lines) throws StoreException {
        try {
            AtomicFiles.write(file, lines.isEmpty() ? "" : String.join("\n", lines) + "\n");
        } catch (IOException e) {
            throw new StoreException("TENANT_KEYS: cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
