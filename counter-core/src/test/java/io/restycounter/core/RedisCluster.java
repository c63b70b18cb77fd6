package io.restycounter.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real Redis Cluster on loopback: three primaries and three replicas, six {@code redis-server}
 * processes on free ports joined by {@code redis-cli --cluster create --cluster-replicas 1}. Nodes
 * notice a dead peer after {@value #NODE_TIMEOUT_MS} ms, so a killed primary's replica takes over in a
 * few seconds. Shared with other modules through counter-core's test-jar.
 */
public final class RedisCluster implements AutoCloseable {

    static final int NODE_TIMEOUT_MS = 1000;
    private static final int NODES = 6;

    private final Path executable;
    private final Path cli;
    private final Path dir;
    private final Map<Integer, Process> processes = new LinkedHashMap<>();
    private final String password;

    private RedisCluster(Path executable, Path dir, String password) {
        this.executable = executable;
        this.cli = executable.resolveSibling("redis-cli");
        this.dir = dir;
        this.password = password;
    }

    /** Starts six nodes, creates the cluster and waits until every slot is served. */
    public static RedisCluster launch() {
        return launch(null);
    }

    /** As {@link #launch()}, every node requiring {@code password} from clients and from each other. */
    public static RedisCluster launchWithPassword(String password) {
        return launch(password);
    }

    private static RedisCluster launch(String password) {
        Path exe = RedisServer.findExecutable();
        RedisCluster cluster;
        try {
            cluster = new RedisCluster(exe, Files.createTempDirectory("redis-cluster-test"), password);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            cluster.create();
            return cluster;
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    private void create() {
        Set<Integer> taken = new HashSet<>();
        for (int i = 0; i < NODES; i++) {
            int port = freePortWithFreeBus(taken);
            taken.add(port);
            startNode(port);
        }
        List<String> args = new ArrayList<>(List.of(cli.toString()));
        args.addAll(auth());
        args.addAll(List.of("--cluster", "create"));
        for (int port : processes.keySet()) {
            args.add("127.0.0.1:" + port);
        }
        args.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
        String out = run(args, 60);
        if (!out.contains("[OK] All 16384 slots covered")) {
            throw new IllegalStateException("redis-cli --cluster create failed: " + out);
        }
        awaitHealthy(ports());
        // Each replica must have synced before a test may kill its primary.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (replicasInSync() < NODES / 2) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("replicas did not sync: " + nodes(ports().get(0)));
            }
            sleep(100);
        }
    }

    private void startNode(int port) {
        Path nodeDir = dir.resolve(Integer.toString(port));
        try {
            Files.createDirectories(nodeDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> command = new ArrayList<>(List.of(executable.toString(),
                "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--cluster-enabled", "yes", "--cluster-config-file", nodeDir.resolve("nodes.conf").toString(),
                "--cluster-node-timeout", Integer.toString(NODE_TIMEOUT_MS),
                "--save", "", "--appendonly", "no", "--dir", nodeDir.toString()));
        if (password != null) {
            command.addAll(List.of("--requirepass", password, "--masterauth", password));
        }
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(nodeDir.resolve("redis.log").toFile());
        try {
            processes.put(port, pb.start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + executable, e);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!"PONG".equals(cli(port, "PING"))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("redis-server on port " + port + " did not start");
            }
            sleep(20);
        }
    }

    private List<String> auth() {
        return password == null ? List.of() : List.of("-a", password, "--no-auth-warning");
    }

    private String userInfo() {
        return password == null ? "" : ":" + java.net.URLEncoder.encode(password, StandardCharsets.UTF_8).replace("+", "%20") + "@";
    }

    /** All node ports, primaries and replicas, alive or not. */
    public List<Integer> ports() {
        return List.copyOf(processes.keySet());
    }

    /** {@code redis://127.0.0.1:p1,redis://127.0.0.1:p2,...}: every node, as REDIS_URL takes a cluster. */
    public String url() {
        return processes.keySet().stream().map(p -> "redis://" + userInfo() + "127.0.0.1:" + p)
                .collect(Collectors.joining(","));
    }

    /** One node's URL, as a single seed with REDIS_CLUSTER=true. */
    public String seedUrl() {
        return "redis://" + userInfo() + "127.0.0.1:" + processes.keySet().iterator().next();
    }

    /** Runs one command through redis-cli on a node and returns its raw output, trimmed. */
    public String cli(int port, String... command) {
        List<String> args = new ArrayList<>(List.of(cli.toString(), "-h", "127.0.0.1", "-p", Integer.toString(port)));
        args.addAll(auth());
        args.addAll(List.of(command));
        return run(args, 10).trim();
    }

    /** Ports of the live primaries that serve slots. */
    public List<Integer> primaries() {
        List<Integer> out = new ArrayList<>();
        for (String line : nodes(anyLivePort()).split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length > 8 && f[2].contains("master") && !f[2].contains("fail")) {
                out.add(port(f[1]));
            }
        }
        return out;
    }

    /** The port of the live primary that serves {@code key}. */
    public int primaryFor(String key) {
        int port = anyLivePort();
        int slot = Integer.parseInt(cli(port, "CLUSTER", "KEYSLOT", key));
        for (String line : nodes(port).split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length < 9 || !f[2].contains("master") || f[2].contains("fail")) {
                continue;
            }
            for (int i = 8; i < f.length; i++) {
                if (f[i].startsWith("[")) {
                    continue;
                }
                String[] range = f[i].split("-");
                int lo = Integer.parseInt(range[0]);
                int hi = range.length > 1 ? Integer.parseInt(range[1]) : lo;
                if (slot >= lo && slot <= hi) {
                    return port(f[1]);
                }
            }
        }
        throw new IllegalStateException("no primary serves slot " + slot + ": " + nodes(port));
    }

    /**
     * Kills the primary on {@code port} (as a crash would) and waits until its replica took over and the
     * cluster serves every slot again; forces the failover from the replica if it is slow to start one.
     * Returns the port of the new primary.
     */
    public int killPrimary(int port) {
        String nodes = nodes(port);
        String primaryId = null;
        for (String line : nodes.split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length > 2 && f[2].contains("myself")) {
                primaryId = f[0];
            }
        }
        int replica = -1;
        for (String line : nodes.split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length > 3 && f[2].contains("slave") && f[3].equals(primaryId)) {
                replica = port(f[1]);
            }
        }
        if (replica < 0) {
            throw new IllegalStateException("node " + port + " has no replica: " + nodes);
        }
        Process p = processes.get(port);
        p.destroyForcibly();
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long forceAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(6);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        boolean forced = false;
        while (!cli(replica, "ROLE").startsWith("master")) {
            if (!forced && System.nanoTime() > forceAt) {
                cli(replica, "CLUSTER", "FAILOVER", "FORCE");
                forced = true;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("replica " + replica + " did not take over: " + nodes(replica));
            }
            sleep(100);
        }
        List<Integer> alive = processes.entrySet().stream().filter(e -> e.getValue().isAlive())
                .map(Map.Entry::getKey).toList();
        awaitHealthy(alive);
        return replica;
    }

    /** True while the process on {@code port} runs. */
    public boolean alive(int port) {
        Process p = processes.get(port);
        return p != null && p.isAlive();
    }

    private void awaitHealthy(List<Integer> ports) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (int port : ports) {
            while (!cli(port, "CLUSTER", "INFO").contains("cluster_state:ok")) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("cluster not ok on " + port + ": " + cli(port, "CLUSTER", "INFO"));
                }
                sleep(100);
            }
        }
    }

    private int replicasInSync() {
        int n = 0;
        for (int port : processes.keySet()) {
            String info = cli(port, "INFO", "replication");
            if (info.contains("role:slave") && info.contains("master_link_status:up")
                    && info.contains("master_sync_in_progress:0")) {
                n++;
            }
        }
        return n;
    }

    private String nodes(int port) {
        return cli(port, "CLUSTER", "NODES");
    }

    private int anyLivePort() {
        return processes.entrySet().stream().filter(e -> e.getValue().isAlive()).map(Map.Entry::getKey)
                .findFirst().orElseThrow(() -> new IllegalStateException("no node alive"));
    }

    /** {@code 127.0.0.1:7000@17000} to 7000. */
    private static int port(String address) {
        String hostPort = address.split("@")[0];
        return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
    }

    private static int freePortWithFreeBus(Set<Integer> taken) {
        for (int attempt = 0; attempt < 200; attempt++) {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                int port = s.getLocalPort();
                if (port + 10000 > 65535 || taken.contains(port) || taken.contains(port + 10000)) {
                    continue;
                }
                try (ServerSocket bus = new ServerSocket(port + 10000, 1, InetAddress.getLoopbackAddress())) {
                    return port;
                } catch (IOException busTaken) {
                    // try another
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        throw new IllegalStateException("no free port pair (port, port + 10000)");
    }

    private String run(List<String> args, int seconds) {
        try {
            Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("timed out: " + args);
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + args, e);
        }
    }

    @Override
    public void close() {
        for (Process p : processes.values()) {
            p.destroyForcibly();
        }
        for (Process p : processes.values()) {
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temp dir left behind is harmless
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the cluster", e);
        }
    }
}
