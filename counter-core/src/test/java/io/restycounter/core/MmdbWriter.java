package io.restycounter.core;

import io.restycounter.core.geoip.InetAddresses;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes MaxMind DB files (format 2.0) for tests: an IPv6 binary search tree (IPv4 networks under ::/96), a
 * data section, and the metadata section. Java values map to MaxMind types the way the reader maps them back:
 * String = utf8_string, Double = double, Integer = uint16, Long = uint32, BigInteger = uint64,
 * Boolean = boolean, Map = map, List = array, byte[] = bytes.
 */
public final class MmdbWriter {

    static final byte[] METADATA_MARKER = {(byte) 0xAB, (byte) 0xCD, (byte) 0xEF,
        'M', 'a', 'x', 'M', 'i', 'n', 'd', '.', 'c', 'o', 'm'};

    private static final class Node {
        final Object[] child = new Object[2];
    }

    /** A leaf: index into {@link #records}. */
    private record Leaf(int record) {
    }

    private final String databaseType;
    private final int recordSize;
    private final Node root = new Node();
    private final List<Map<String, Object>> records = new ArrayList<>();

    public MmdbWriter(String databaseType, int recordSize) {
        if (recordSize != 24 && recordSize != 28 && recordSize != 32) {
            throw new IllegalArgumentException("record size " + recordSize);
        }
        this.databaseType = databaseType;
        this.recordSize = recordSize;
    }

    /** Adds a network such as {@code 81.2.69.0/24} or {@code 2a02:c7f::/32}; networks must not overlap. */
    public MmdbWriter insert(String cidr, Map<String, Object> record) {
        int slash = cidr.indexOf('/');
        InetAddress a = InetAddresses.parseLiteral(cidr.substring(0, slash));
        int prefix = Integer.parseInt(cidr.substring(slash + 1));
        byte[] bits = new byte[16];
        byte[] raw = a.getAddress();
        if (a instanceof Inet4Address) {
            System.arraycopy(raw, 0, bits, 12, 4);
            prefix += 96;
        } else {
            bits = raw;
        }
        records.add(record);
        Leaf leaf = new Leaf(records.size() - 1);
        Node node = root;
        for (int i = 0; i < prefix; i++) {
            int bit = (bits[i >> 3] >> (7 - (i & 7))) & 1;
            if (i == prefix - 1) {
                if (node.child[bit] != null) {
                    throw new IllegalArgumentException("overlapping network " + cidr);
                }
                node.child[bit] = leaf;
            } else {
                if (node.child[bit] == null) {
                    node.child[bit] = new Node();
                } else if (!(node.child[bit] instanceof Node)) {
                    throw new IllegalArgumentException("overlapping network " + cidr);
                }
                node = (Node) node.child[bit];
            }
        }
        return this;
    }

    public byte[] build() {
        // Nodes numbered breadth-first, the root being node 0.
        List<Node> nodes = new ArrayList<>();
        Map<Node, Integer> numbers = new IdentityHashMap<>();
        ArrayDeque<Node> queue = new ArrayDeque<>();
        queue.add(root);
        while (!queue.isEmpty()) {
            Node n = queue.remove();
            numbers.put(n, nodes.size());
            nodes.add(n);
            for (Object c : n.child) {
                if (c instanceof Node child) {
                    queue.add(child);
                }
            }
        }
        long nodeCount = nodes.size();

        ByteArrayOutputStream data = new ByteArrayOutputStream();
        long[] offsets = new long[records.size()];
        for (int i = 0; i < records.size(); i++) {
            offsets[i] = data.size();
            encode(data, records.get(i));
        }

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Node n : nodes) {
            long[] rec = new long[2];
            for (int side = 0; side < 2; side++) {
                Object c = n.child[side];
                if (c == null) {
                    rec[side] = nodeCount;
                } else if (c instanceof Node child) {
                    rec[side] = numbers.get(child);
                } else {
                    rec[side] = nodeCount + 16 + offsets[((Leaf) c).record()];
                }
                if (rec[side] >= 1L << recordSize) {
                    throw new IllegalStateException("record does not fit in " + recordSize + " bits");
                }
            }
            writeNode(out, rec[0], rec[1]);
        }
        out.writeBytes(new byte[16]);
        out.writeBytes(data.toByteArray());
        out.writeBytes(METADATA_MARKER);
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("node_count", nodeCount);
        metadata.put("record_size", recordSize);
        metadata.put("ip_version", 6);
        metadata.put("database_type", databaseType);
        metadata.put("languages", List.of("en", "de"));
        metadata.put("binary_format_major_version", 2);
        metadata.put("binary_format_minor_version", 0);
        metadata.put("build_epoch", BigInteger.valueOf(1_790_000_000L));
        metadata.put("description", Map.of("en", "resty-counter test database"));
        encode(out, metadata);
        return out.toByteArray();
    }

    public Path write(Path file) throws IOException {
        Files.write(file, build());
        return file;
    }

    private void writeNode(ByteArrayOutputStream out, long left, long right) {
        switch (recordSize) {
            case 24 -> {
                writeBigEndian(out, left, 3);
                writeBigEndian(out, right, 3);
            }
            case 28 -> {
                writeBigEndian(out, left & 0xFFFFFF, 3);
                out.write((int) (((left >> 24) & 0x0F) << 4 | ((right >> 24) & 0x0F)));
                writeBigEndian(out, right & 0xFFFFFF, 3);
            }
            default -> {
                writeBigEndian(out, left, 4);
                writeBigEndian(out, right, 4);
            }
        }
    }

    static void encode(ByteArrayOutputStream out, Object v) {
        if (v instanceof String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            control(out, 2, b.length);
            out.writeBytes(b);
        } else if (v instanceof Double d) {
            control(out, 3, 8);
            writeBigEndian(out, Double.doubleToLongBits(d), 8);
        } else if (v instanceof byte[] b) {
            control(out, 4, b.length);
            out.writeBytes(b);
        } else if (v instanceof Integer i) {
            unsigned(out, 5, i, 2);
        } else if (v instanceof Long l) {
            unsigned(out, 6, l, 4);
        } else if (v instanceof BigInteger b) {
            unsigned(out, 9, b.longValueExact(), 8);
        } else if (v instanceof Map<?, ?> m) {
            control(out, 7, m.size());
            for (Map.Entry<?, ?> e : m.entrySet()) {
                encode(out, (String) e.getKey());
                encode(out, e.getValue());
            }
        } else if (v instanceof List<?> list) {
            control(out, 11, list.size());
            for (Object o : list) {
                encode(out, o);
            }
        } else if (v instanceof Boolean b) {
            control(out, 14, b ? 1 : 0);
        } else {
            throw new IllegalArgumentException("no MaxMind DB type for " + v);
        }
    }

    private static void unsigned(ByteArrayOutputStream out, int type, long value, int maxBytes) {
        if (value < 0 || (maxBytes < 8 && value >= 1L << (8 * maxBytes))) {
            throw new IllegalArgumentException(value + " does not fit type " + type);
        }
        int n = 0;
        for (long rest = value; rest != 0; rest >>>= 8) {
            n++;
        }
        control(out, type, n);
        writeBigEndian(out, value, n);
    }

    /** The control byte(s): type in the top 3 bits (0 and an extra byte for types above 7), then the size. */
    private static void control(ByteArrayOutputStream out, int type, int size) {
        int first = (type <= 7 ? type : 0) << 5;
        byte[] extra;
        if (size < 29) {
            first |= size;
            extra = new byte[0];
        } else if (size < 29 + 256) {
            first |= 29;
            extra = new byte[] {(byte) (size - 29)};
        } else if (size < 285 + 65536) {
            first |= 30;
            int s = size - 285;
            extra = new byte[] {(byte) (s >> 8), (byte) s};
        } else {
            first |= 31;
            int s = size - 65821;
            extra = new byte[] {(byte) (s >> 16), (byte) (s >> 8), (byte) s};
        }
        out.write(first);
        if (type > 7) {
            out.write(type - 7);
        }
        out.writeBytes(extra);
    }

    private static void writeBigEndian(ByteArrayOutputStream out, long value, int bytes) {
        for (int i = bytes - 1; i >= 0; i--) {
            out.write((int) (value >>> (8 * i)));
        }
    }

    // ---- GeoIP2-shaped records ----

    static Map<String, Object> names(String en) {
        return Map.of("en", en, "de", en + " (de)");
    }

    public static Map<String, Object> country(String iso, long geonameId, String name) {
        Map<String, Object> country = new LinkedHashMap<>();
        country.put("geoname_id", geonameId);
        country.put("iso_code", iso);
        country.put("names", names(name));
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("continent", Map.of("code", "EU", "geoname_id", 6_255_148L, "names", names("Europe")));
        record.put("country", country);
        record.put("registered_country", country);
        return record;
    }

    public static Map<String, Object> city(String iso, String subdivision, String city, String postal, double lat,
            double lon) {
        Map<String, Object> record = country(iso, 2_635_167L, iso + " country");
        record.put("city", Map.of("geoname_id", 2_643_743L, "names", names(city)));
        record.put("location", Map.of("accuracy_radius", 100, "latitude", lat, "longitude", lon,
                "time_zone", "Europe/London"));
        record.put("postal", Map.of("code", postal));
        record.put("subdivisions", List.of(
                Map.of("geoname_id", 6_269_131L, "iso_code", subdivision, "names", names(subdivision + " region")),
                Map.of("geoname_id", 1L, "iso_code", "ZZ", "names", names("second level"))));
        return record;
    }
}
