package io.netrescue.power.server;

import io.netrescue.inventory.InvalidInputException;
import java.util.List;
import java.util.Locale;
import org.snmp4j.security.AuthHMAC192SHA256;
import org.snmp4j.security.AuthSHA;
import org.snmp4j.smi.OID;

/**
 * Who the driver is to the PDU. v2c: a read community (a setting, for status) and the write community
 * (the secret). v3: a USM user with authPriv; the secret holds the auth passphrase on its first line
 * and the privacy passphrase on its second. {@code toString} never shows a community or passphrase.
 */
sealed interface SnmpCredentials {

    String describe();

    record V2c(String readCommunity, String writeCommunity) implements SnmpCredentials {
        public String describe() { return "v2c"; }
        @Override public String toString() { return "V2c[communities hidden]"; }
    }

    record V3(String user, OID authProtocol, String authName, String authPass, String privPass, String context) implements SnmpCredentials {
        public String describe() { return "v3 user " + user + " " + authName + "/AES-128" + (context.isEmpty() ? "" : " context " + context); }
        @Override public String toString() { return "V3[" + describe() + ", passphrases hidden]"; }
    }

    static SnmpCredentials parse(PowerSettings s, String version, String where) {
        List<String> v3Only = List.of("user", "auth-protocol", "priv-protocol", "context");
        return switch (version) {
            case "2c" -> {
                for (String k : v3Only) {
                    if (s.settings().containsKey(k)) throw new InvalidInputException(where + ": '" + k + "' is for version 3 only");
                }
                yield new V2c(s.optional("community-read", "public"), s.requiredSecret());
            }
            case "3" -> {
                if (s.settings().containsKey("community-read")) throw new InvalidInputException(where + ": 'community-read' is for version 2c only");
                String user = s.required("user");
                String auth = s.optional("auth-protocol", "SHA-256").toUpperCase(Locale.ROOT);
                OID authOid = switch (auth) {
                    case "SHA", "SHA-1", "SHA1" -> AuthSHA.ID;
                    case "SHA-256", "SHA256" -> AuthHMAC192SHA256.ID;
                    default -> throw new InvalidInputException(where + ": 'auth-protocol' must be SHA or SHA-256, not '" + auth + "'");
                };
                String priv = s.optional("priv-protocol", "AES-128").toUpperCase(Locale.ROOT);
                if (!List.of("AES-128", "AES128", "AES").contains(priv)) {
                    throw new InvalidInputException(where + ": 'priv-protocol' must be AES-128, not '" + priv + "'");
                }
                List<String> lines = s.requiredSecret().lines().toList();
                if (lines.size() != 2 || lines.get(0).length() < 8 || lines.get(1).length() < 8) {
                    // do not echo the secret, only its shape
                    throw new InvalidInputException(where + ": the secret must be two lines, the auth passphrase and then the"
                            + " privacy passphrase, each at least 8 characters (got " + lines.size() + " line(s))");
                }
                yield new V3(user, authOid, auth.startsWith("SHA-2") || auth.equals("SHA256") ? "SHA-256" : "SHA", lines.get(0), lines.get(1),
                        s.optional("context", ""));
            }
            default -> throw new InvalidInputException(where + ": 'version' must be 2c or 3, not '" + version + "'");
        };
    }
}
