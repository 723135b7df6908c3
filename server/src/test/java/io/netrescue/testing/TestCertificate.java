package io.netrescue.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed certificate for 127.0.0.1 made with the JDK's keytool at test time: {@code keystore}
 * (PKCS12, key + certificate) for the server, {@code caPem} for the client's verify setting. The
 * store password goes to keytool through the environment, not its command line.
 */
public record TestCertificate(Path keystore, char[] storePassword, Path caPem) {

    public static TestCertificate generate(Path dir, String san) throws IOException, InterruptedException {
        String pass = HexFormat.of().formatHex(java.security.SecureRandom.getSeed(12));
        Path ks = dir.resolve("bmc.p12");
        Path pem = dir.resolve("bmc-ca.pem");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        keytool(pass, List.of(keytool, "-genkeypair", "-alias", "bmc", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=netrescue test BMC", "-ext", "SAN=" + san, "-validity", "2",
                "-keystore", ks.toString(), "-storetype", "PKCS12", "-storepass:env", "KS_PASS"));
        keytool(pass, List.of(keytool, "-exportcert", "-rfc", "-alias", "bmc", "-keystore", ks.toString(),
                "-storepass:env", "KS_PASS", "-file", pem.toString()));
        return new TestCertificate(ks, pass.toCharArray(), pem);
    }

    /** A TLS context that serves this certificate, for a JDK {@code HttpsServer}. */
    public javax.net.ssl.SSLContext serverContext() throws java.security.GeneralSecurityException, IOException {
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(keystore)) {
            ks.load(in, storePassword);
        }
        var kmf = javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, storePassword);
        var ctx = javax.net.ssl.SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    private static void keytool(String pass, List<String> cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("KS_PASS", pass);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("keytool failed: " + out);
        }
    }
}
