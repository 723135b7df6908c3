package io.netrescue.power;

import io.netrescue.inventory.InvalidInputException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The {@code verify} setting of a Redfish BMC: {@code true} (the JDK's trust store), a CA PEM file
 * (only that CA), or {@code false} (no checks at all). With a trust store the JDK HTTP client also
 * checks that the certificate names the host in {@code url}; {@code false} turns that off too,
 * because the accept-all trust manager is where the JDK does that check.
 */
sealed interface RedfishTls {

    /** The SSLContext to give the HTTP client, empty for the JDK default. */
    Optional<SSLContext> context();

    String describe();

    record SystemTrust() implements RedfishTls {
        public Optional<SSLContext> context() { return Optional.empty(); }
        public String describe() { return "verify=true"; }
    }

    record CaFile(Path file, SSLContext ssl) implements RedfishTls {
        public Optional<SSLContext> context() { return Optional.of(ssl); }
        public String describe() { return "verify=" + file; }
    }

    record NoVerify(SSLContext ssl) implements RedfishTls {
        public Optional<SSLContext> context() { return Optional.of(ssl); }
        public String describe() { return "verify=false"; }
    }

    static RedfishTls parse(String value, String where) {
        return switch (value) {
            case "true" -> new SystemTrust();
            case "false" -> new NoVerify(context(new TrustManager[] {new AcceptAll()}));
            default -> caFile(Path.of(value), where);
        };
    }

    private static RedfishTls caFile(Path file, String where) {
        String bad = where + ": 'verify' must be true, false or a readable CA PEM file; ";
        Collection<? extends Certificate> certs;
        try (InputStream in = Files.newInputStream(file)) {
            certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (IOException e) {
            throw new InvalidInputException(bad + "cannot read '" + file + "' (" + e.getMessage() + ")");
        } catch (GeneralSecurityException e) {
            throw new InvalidInputException(bad + "'" + file + "' is not a PEM certificate (" + e.getMessage() + ")");
        }
        if (certs.isEmpty()) throw new InvalidInputException(bad + "'" + file + "' holds no certificate");
        try {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            int i = 0;
            for (Certificate c : certs) ks.setCertificateEntry("ca" + i++, c);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            return new CaFile(file, context(tmf.getTrustManagers()));
        } catch (GeneralSecurityException | IOException e) {
            throw new InvalidInputException(bad + "cannot use '" + file + "' (" + e.getMessage() + ")");
        }
    }

    private static SSLContext context(TrustManager[] tms) {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tms, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no TLS", e);
        }
    }

    /** verify=false: the operator chose to accept any certificate (BMCs often ship self-signed ones). */
    final class AcceptAll extends X509ExtendedTrustManager {
        @Override public void checkClientTrusted(X509Certificate[] chain, String authType) {}
        @Override public void checkServerTrusted(X509Certificate[] chain, String authType) {}
        @Override public void checkClientTrusted(X509Certificate[] chain, String authType, Socket s) {}
        @Override public void checkServerTrusted(X509Certificate[] chain, String authType, Socket s) {}
        @Override public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine e) {}
        @Override public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine e) {}
        @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
    }
}
