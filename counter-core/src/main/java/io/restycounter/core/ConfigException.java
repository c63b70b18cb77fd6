package io.restycounter.core;

/** A configuration value is missing or malformed. The message names the setting and what it expects. */
public final class ConfigException extends IllegalArgumentException {

    public ConfigException(String message) {
        super(message);
    }
}
