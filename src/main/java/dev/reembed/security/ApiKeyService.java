package dev.reembed.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import com.fasterxml.jackson.annotation.JsonInclude;

import org.jboss.logging.Logger;

import dev.reembed.common.ProblemException;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.quarkus.runtime.StartupEvent;

/**
 * API keys: random secrets shown once, stored as SHA-256 hashes with a short prefix to recognise
 * them; the bootstrap operator key from the environment; a per-key request budget (bucket4j).
 */
@ApplicationScoped
public class ApiKeyService {

    private static final Logger LOG = Logger.getLogger(ApiKeyService.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    static final String KEY_START = "rk_";

    /** A key just created: the only time its secret is shown. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record NewKey(long id, String name, String role, String keyPrefix, String key, OffsetDateTime expiresAt,
            OffsetDateTime createdAt, List<String> tenants) {
    }

    private final ApiKeyRepository repository;
    private final SecurityConfig config;
    private final Map<String, Bucket> budgets = new ConcurrentHashMap<>();

    public ApiKeyService(ApiKeyRepository repository, SecurityConfig config) {
        this.repository = repository;
        this.config = config;
    }

    void storeBootstrapKey(@Observes StartupEvent event) {
        config.bootstrapOperatorKey().filter(k -> !k.isBlank()).ifPresent(key -> {
            String hash = hash(key);
            repository.ensureBootstrap(bootstrapPrefix(hash), hash);
            LOG.infof("Bootstrap operator key registered (prefix %s)", bootstrapPrefix(hash)); // the prefix only
        });
    }

    public Optional<Caller> authenticate(String token) {
        if (token == null || token.isBlank() || token.length() > 512) {
            return Optional.empty();
        }
        Optional<Caller> caller = repository.findActive(hash(token));
        caller.ifPresent(c -> repository.touch(c.keyId()));
        return caller;
    }

    /** Takes one request from the key's budget; the wait until the next one when it is spent. */
    public Optional<Duration> spend(Caller caller) {
        Bucket bucket = budgets.computeIfAbsent(caller.keyPrefix(), p -> Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(config.requestsPerMinute())
                        .refillGreedy(config.requestsPerMinute(), Duration.ofMinutes(1)).build())
                .build());
        ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
        return probe.isConsumed() ? Optional.empty() : Optional.of(Duration.ofNanos(probe.getNanosToWaitForRefill()));
    }

    public NewKey create(String name, Role role, Integer expiresInDays, List<String> tenants, Caller by) {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        String key = KEY_START + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        String prefix = key.substring(0, 10);
        OffsetDateTime expires = expiresInDays == null ? null : OffsetDateTime.now().plusDays(expiresInDays);
        var stored = repository.insert(name.strip(), prefix, hash(key), role, expires, by.keyPrefix(), tenants);
        LOG.infof("API key %s (%s, %s) created by %s", prefix, stored.name(), role.wire(), by.keyPrefix());
        return new NewKey(stored.id(), stored.name(), stored.role(), prefix, key, stored.expiresAt(), stored.createdAt(),
                stored.tenants());
    }

    public List<ApiKeyRepository.ApiKey> list() {
        return repository.list();
    }

    public void revoke(long id, Caller by) {
        if (!repository.exists(id)) {
            throw ProblemException.notFound("No API key " + id);
        }
        if (!repository.revoke(id)) {
            throw ProblemException.conflict("API key " + id + " is revoked already");
        }
        LOG.infof("API key %d revoked by %s", id, by.keyPrefix());
    }

    void audit(Caller caller, String action, String target, int status) {
        repository.audit(caller.keyPrefix(), action, target, status);
    }

    static String hash(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The bootstrap key may be short or chosen by a person: its prefix comes from the hash, not the secret. */
    static String bootstrapPrefix(String hash) {
        return "boot_" + hash.substring(0, 5);
    }
}
