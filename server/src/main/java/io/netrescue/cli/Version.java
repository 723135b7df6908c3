package io.netrescue.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/**
 * {@code --version}: the Maven project version, from {@code version.properties}, which Maven fills in
 * when it copies resources (server/pom.xml). The same in the jar and in target/classes (tests);
 * "(development build)" only if something compiled the sources without Maven's resource step.
 */
final class Version implements IVersionProvider {
    static final String UNKNOWN = "(development build)";

    /** The project version, e.g. 0.1.0-SNAPSHOT. */
    static String number() {
        Properties p = new Properties();
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            if (in == null) return UNKNOWN;
            p.load(in);
        } catch (IOException e) {
            return UNKNOWN;
        }
        String v = p.getProperty("version", "").strip();
        return v.isEmpty() || v.contains("${") ? UNKNOWN : v;
    }

    @Override
    public String[] getVersion() {
        return new String[] {"netrescue " + number()};
    }
}
