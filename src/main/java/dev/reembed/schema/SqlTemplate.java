package dev.reembed.schema;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A SQL resource under {@code db/sql} with Flyway-style {@code ${name}} placeholders. Its leading
 * {@code --} comment lines describe it and are not part of the text. Hand-written rather than
 * Flyway's placeholder replacer, which is internal API; one pass, so a value is never scanned for
 * placeholders again, and a placeholder without a value is an error rather than left in the SQL.
 */
public final class SqlTemplate {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([a-z_]+)}");

    private final String name;
    private final String text;

    private SqlTemplate(String name, String text) {
        this.name = name;
        this.text = text;
    }

    /** {@code db/sql/<file>} from the class path. */
    public static SqlTemplate load(String file) {
        String resource = "db/sql/" + file;
        try (InputStream in = SqlTemplate.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("Missing SQL resource " + resource);
            }
            return parse(resource, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(resource, e);
        }
    }

    static SqlTemplate parse(String name, String source) {
        String s = source.replace("\r\n", "\n");
        while (s.startsWith("--")) {
            int eol = s.indexOf('\n');
            s = eol < 0 ? "" : s.substring(eol + 1);
        }
        return new SqlTemplate(name, s.stripTrailing());
    }

    /** The text without its header; placeholders as they are. */
    public String text() {
        return text;
    }

    /** The text with every placeholder replaced by its value from {@code values}. */
    public String render(Map<String, String> values) {
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder out = new StringBuilder(text.length());
        while (m.find()) {
            String value = values.get(m.group(1));
            if (value == null) {
                throw new IllegalArgumentException(name + ": no value for ${" + m.group(1) + "}");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }
}
