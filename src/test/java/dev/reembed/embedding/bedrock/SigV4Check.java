package dev.reembed.embedding.bedrock;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.sun.net.httpserver.Headers;

/**
 * The fake's side of AWS Signature Version 4: recomputes the signature of a request from the secret
 * key, as AWS does, so a wrong secret is refused like at AWS (InvalidSignatureException) and a test
 * proves the SDK really signed. Non-S3 canonical URI: each path segment URI-encoded once more.
 */
final class SigV4Check {

    private static final Pattern AUTH = Pattern.compile(
            "AWS4-HMAC-SHA256 Credential=([^/]+)/(\\d{8})/([^/]+)/([^/]+)/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})");

    /** What the Authorization header says, when it is a SigV4 one. */
    record Signed(String accessKeyId, String date, String region, String service, List<String> headers,
            String signature) {
    }

    private SigV4Check() {
    }

    static Optional<Signed> parse(String authorization) {
        Matcher m = authorization == null ? null : AUTH.matcher(authorization.trim());
        if (m == null || !m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new Signed(m.group(1), m.group(2), m.group(3), m.group(4), List.of(m.group(5).split(";")),
                m.group(6)));
    }

    /** Whether {@code signed} is the signature of this request under {@code secret}. */
    static boolean valid(Signed signed, String secret, String method, String rawPath, String rawQuery, Headers headers,
            byte[] body) {
        StringBuilder canonical = new StringBuilder(method).append('\n').append(canonicalUri(rawPath)).append('\n')
                .append(rawQuery == null ? "" : rawQuery).append('\n');
        for (String name : signed.headers()) {
            List<String> values = headers.get(name);
            String value = values == null ? "" : String.join(",", values);
            canonical.append(name).append(':').append(value.trim().replaceAll("\\s+", " ")).append('\n');
        }
        String payloadHash = headers.getFirst("x-amz-content-sha256");
        canonical.append('\n').append(String.join(";", signed.headers())).append('\n')
                .append(payloadHash != null ? payloadHash : hex(sha256(body)));
        String scope = signed.date() + "/" + signed.region() + "/" + signed.service() + "/aws4_request";
        String toSign = "AWS4-HMAC-SHA256\n" + headers.getFirst("X-Amz-Date") + "\n" + scope + "\n"
                + hex(sha256(canonical.toString().getBytes(StandardCharsets.UTF_8)));
        byte[] key = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), signed.date());
        key = hmac(key, signed.region());
        key = hmac(key, signed.service());
        key = hmac(key, "aws4_request");
        return MessageDigest.isEqual(hex(hmac(key, toSign)).getBytes(StandardCharsets.US_ASCII),
                signed.signature().getBytes(StandardCharsets.US_ASCII));
    }

    private static String canonicalUri(String rawPath) {
        return java.util.Arrays.stream(rawPath.split("/", -1)).map(SigV4Check::encode)
                .collect(java.util.stream.Collectors.joining("/"));
    }

    /** RFC 3986 encoding of everything but unreserved characters, applied to the already-encoded segment. */
    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20").replace("*", "%2A").replace("%7E", "~");
    }

    static String decodePathSegment(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
