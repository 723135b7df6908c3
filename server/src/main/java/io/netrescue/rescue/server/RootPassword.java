package io.netrescue.rescue.server;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.apache.commons.codec.digest.Sha2Crypt;

/**
 * One-time root passwords: 20 characters from an alphabet without look-alikes (about 116 bits),
 * grouped by four to be read aloud ({@code XXXX-XXXX-XXXX-XXXX-XXXX}: 24 characters, the dashes are part of the password), and their SHA-512 crypt hash ({@code $6$}), the form
 * {@code /etc/shadow} takes and the only form netrescue stores.
 */
final class RootPassword {
    private static final String ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    private static final String SALT = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    private RootPassword() {}

    static String generate(SecureRandom random) {
        StringBuilder b = new StringBuilder(24);
        for (int i = 0; i < 20; i++) {
            if (i > 0 && i % 4 == 0) b.append('-');
            b.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return b.toString();
    }

    static String hash(String password, SecureRandom random) {
        StringBuilder salt = new StringBuilder("$6$");
        for (int i = 0; i < 16; i++) salt.append(SALT.charAt(random.nextInt(SALT.length())));
        return Sha2Crypt.sha512Crypt(password.getBytes(StandardCharsets.UTF_8), salt.toString());
    }
}
