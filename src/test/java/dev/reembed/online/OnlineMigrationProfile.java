package dev.reembed.online;

import java.util.HashMap;
import java.util.Map;

import dev.reembed.testing.FakeGeminiProfile;

/** FakeGeminiProfile in a database of its own (its schema is moved for good) with a quick driver. */
public class OnlineMigrationProfile extends FakeGeminiProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> config = new HashMap<>(super.getConfigOverrides());
        config.put("reembed.online.poll-interval", "0.2s");
        config.put("reembed.online.maintenance-work-mem", "64MB");
        return config;
    }
}
