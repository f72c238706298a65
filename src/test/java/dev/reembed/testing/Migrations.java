package dev.reembed.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** What the migrations on the classpath say, so that a test does not hard-code the newest 2.x version. */
public final class Migrations {

    private static final Pattern STATE = Pattern.compile("V2_(\\d+)__.*\\.sql");

    private Migrations() {
    }

    /** The last 2.x version (the service's own state, applied at a production start held at 2), e.g. "2.4". */
    public static String lastBeforeTheChange() {
        try (Stream<Path> files = Files.list(Path.of(Migrations.class.getResource("/db/migration").toURI()))) {
            int minor = files.map(f -> STATE.matcher(f.getFileName().toString())).filter(Matcher::matches)
                    .map(m -> Integer.parseInt(m.group(1))).max(Comparator.naturalOrder())
                    .orElseThrow(() -> new IllegalStateException("no V2_x migration on the classpath"));
            return "2." + minor;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
