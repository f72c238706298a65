package dev.reembed.online;

import java.util.HashMap;
import java.util.Map;

/** The store before the change (V3 held, text-embedding-004 @768) in a database of its own, against the fake. */
public class ShutDownSourceProfile extends OnlineMigrationProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> config = new HashMap<>(super.getConfigOverrides());
        config.put("reembed.migration.start-target", "2");
        return config;
    }
}
