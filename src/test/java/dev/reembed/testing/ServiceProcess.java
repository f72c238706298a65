package dev.reembed.testing;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import dev.reembed.embedding.gemini.FakeGeminiApi;
import dev.reembed.testing.fake.ProviderFake;

/**
 * The packaged service (target/quarkus-app/quarkus-run.jar) as a separate process, for tests
 * that kill it or run several replicas.
 */
public final class ServiceProcess implements AutoCloseable {

    private final Map<String, String> env;
    private final Path log;
    private final int port;
    private final int managementPort;
    private Process process;

    public ServiceProcess(Map<String, String> env, Path log) {
        this.env = new HashMap<>(env);
        this.log = log;
        this.port = freePort();
        this.managementPort = freePort();
        this.env.put("QUARKUS_HTTP_PORT", String.valueOf(port));
        this.env.put("QUARKUS_MANAGEMENT_PORT", String.valueOf(managementPort));
        this.env.putIfAbsent("REEMBED_BOOTSTRAP_OPERATOR_KEY", OPERATOR_KEY);
        this.env.putIfAbsent("QUARKUS_LOG_CONSOLE_JSON_ENABLED", "false");
    }

    /** The bootstrap operator key the process starts with (unless the env given says otherwise). */
    public static final String OPERATOR_KEY = "it-operator-key-1a2b3c4d5e6f";

    /** A request to the API with the operator key. */
    public HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(baseUrl() + path)).header("Authorization", "Bearer " + env.get("REEMBED_BOOTSTRAP_OPERATOR_KEY"));
    }

    /** Health and metrics live here. */
    public String managementUrl() {
        return "http://127.0.0.1:" + managementPort;
    }

    /** The service's process id (the JVM itself: java -jar), for sampling its memory. */
    public long pid() {
        return process.pid();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    public ServiceProcess start() {
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx512m", "-jar", "target/quarkus-app/quarkus-run.jar")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(env);
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new IllegalStateException("Cannot start the packaged service", e);
        }
        awaitHealthy(Duration.ofSeconds(60));
        return this;
    }

    /** SIGKILL: no shutdown hook, no graceful stop, nothing flushed. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy(); // SIGTERM: graceful shutdown
            if (!process.waitFor(40, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    private void awaitHealthy(Duration timeout) {
        HttpClient client = HttpClient.newHttpClient();
        Instant end = Instant.now().plus(timeout);
        while (Instant.now().isBefore(end)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("The service exited with " + process.exitValue() + "; see " + log);
            }
            try {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(managementUrl() + "/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("The service did not become ready in " + timeout + "; see " + log);
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The environment of a service on a scratch database ({@code db}: ScratchDatabaseResource's
     * settings) embedding through the fake Gemini API, with no client-side limits, a fast poll and
     * no scheduled sweep. Mutable: callers add their own keys.
     */
    public static Map<String, String> againstFakeGemini(Map<String, String> db, FakeGeminiApi fake) {
        return against(db, fake);
    }

    /** The same against any vendor's fake: its {@link ProviderFake#serviceConfig()} as environment variables. */
    public static Map<String, String> against(Map<String, String> db, ProviderFake fake) {
        Map<String, String> env = new HashMap<>();
        env.put("QUARKUS_DATASOURCE_JDBC_URL", db.get("quarkus.datasource.jdbc.url"));
        env.put("QUARKUS_DATASOURCE_USERNAME", db.getOrDefault("quarkus.datasource.username", ""));
        env.put("QUARKUS_DATASOURCE_PASSWORD", db.getOrDefault("quarkus.datasource.password", ""));
        fake.serviceConfig().forEach((key, value) -> env.put(environmentName(key), value));
        env.put("REEMBED_EMBEDDING_REQUESTS_PER_MINUTE", "1000000");
        env.put("REEMBED_EMBEDDING_TOKENS_PER_MINUTE", "1000000000");
        env.put("REEMBED_BACKFILL_POLL_INTERVAL", "0.2s");
        env.put("REEMBED_BACKFILL_SWEEP_ENABLED", "false");
        return env;
    }

    /** MicroProfile Config's environment form of a property: {@code reembed.gemini.base-url} → REEMBED_GEMINI_BASE_URL. */
    public static String environmentName(String property) {
        return property.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(java.util.Locale.ROOT);
    }

    public static Path logFile(String name) {
        File dir = new File("target/it-logs");
        dir.mkdirs();
        return new File(dir, name + ".log").toPath();
    }
}
