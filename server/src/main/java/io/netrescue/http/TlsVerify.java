package io.netrescue.http;

import io.netrescue.inventory.InvalidInputException;
import io.netrescue.inventory.Printable;
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
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The {@code verify} setting of an outgoing HTTPS client (a Redfish BMC, the hands-on webhook), as
 * curl spells it: {@code true} (the JDK's trust store, as curl's default), the path of a CA PEM file
 * (only those CAs, as {@code --cacert}), or {@code false} (no checks at all, as {@code -k}). With a
 * trust store the JDK HTTP client also checks that the certificate names the host of the URL;
 * {@code false} turns that off too, because an {@link X509ExtendedTrustManager} is where the JDK
 * makes that check.
 */
public sealed interface TlsVerify {

    /** The SSLContext to give the JDK HTTP client; empty for the JDK's default. */
    Optional<SSLContext> context();

    /** The setting as the operator wrote it, for error messages. */
    String describe();

    record SystemTrust() implements TlsVerify {
        public Optional<SSLContext> context() { return Optional.empty(); }
        public String describe() { return "verify=true"; }
    }

    record CaFile(Path file, SSLContext ssl) implements TlsVerify {
        public Optional<SSLContext> context() { return Optional.of(ssl); }
        public String describe() { return "verify=" + file; }
    }

    record AnyCertificate(SSLContext ssl) implements TlsVerify {
        public Optional<SSLContext> context() { return Optional.of(ssl); }
        public String describe() { return "verify=false"; }
    }

    /**
     * Parses a {@code verify} value; {@code prefix} starts every error message (it names the setting's
     * owner and ends with ": ").
     */
    static TlsVerify parse(String value, String prefix) {
        return switch (value) {
            case "true" -> new SystemTrust();
            case "false" -> new AnyCertificate(context(new TrustManager[] {AcceptAll.INSTANCE}));
            default -> caFile(Path.of(value), prefix);
        };
    }

    private static TlsVerify caFile(Path pem, String prefix) {
        String name = Printable.clip(pem.toString());
        if (!Files.isRegularFile(pem)) {
            throw new InvalidInputException(prefix + "'verify' must be true, false or the path of a PEM CA file; " + name + " is not a file");
        }
        try {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            int i = 0;
            try (InputStream in = Files.newInputStream(pem)) {
                for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) ks.setCertificateEntry("ca" + i++, c);
            }
            if (i == 0) throw new InvalidInputException(prefix + "'verify': no certificate in " + name);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            return new CaFile(pem, context(tmf.getTrustManagers()));
        } catch (IOException e) {
            throw new InvalidInputException(prefix + "'verify': cannot read " + name + ": " + Printable.clip(String.valueOf(e.getMessage())));
        } catch (GeneralSecurityException e) {
            throw new InvalidInputException(prefix + "'verify': " + name + " is not a PEM certificate: " + Printable.clip(String.valueOf(e.getMessage())));
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

    /**
     * verify=false: the operator chose to accept any certificate (BMCs often ship self-signed ones).
     * Extended, so that the JDK does not fall back to its own host name check either.
     */
    final class AcceptAll extends X509ExtendedTrustManager {
        static final AcceptAll INSTANCE = new AcceptAll();

        private AcceptAll() {}

        @Override public void checkClientTrusted(X509Certificate[] chain, String authType) {}
        @Override public void checkServerTrusted(X509Certificate[] chain, String authType) {}
        @Override public void checkClientTrusted(X509Certificate[] chain, String authType, Socket s) {}
        @Override public void checkServerTrusted(X509Certificate[] chain, String authType, Socket s) {}
        @Override public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine e) {}
        @Override public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine e) {}
        @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
    }
}
