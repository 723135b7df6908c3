package io.netrescue.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.netrescue.inventory.InvalidInputException;
import io.netrescue.testing.TestCertificate;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one place that decides whether an outgoing HTTPS connection is trusted, against a real JDK
 * HTTPS server with a self-signed certificate for 127.0.0.1 only.
 */
class TlsVerifyTest {
    @TempDir static Path dir;
    static TestCertificate cert;
    static HttpsServer server;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        cert = TestCertificate.generate(dir, "ip:127.0.0.1");
        SSLContext ctx = cert.serverContext();
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(ctx));
        server.createContext("/", x -> {
            x.sendResponseHeaders(204, -1);
            x.close();
        });
        server.start();
        port = server.getAddress().getPort();
    }

    @AfterAll
    static void stop() {
        server.stop(0);
    }

    private static int get(TlsVerify tls, String host) throws Exception {
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
        tls.context().ifPresent(b::sslContext);
        try (HttpClient c = b.build()) {
            return c.send(HttpRequest.newBuilder(URI.create("https://" + host + ":" + port + "/")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        }
    }

    @Test
    void theSystemTrustStoreRefusesASelfSignedCertificate() {
        TlsVerify tls = TlsVerify.parse("true", "x: ");
        assertThat(tls).isInstanceOf(TlsVerify.SystemTrust.class);
        assertThat(tls.describe()).isEqualTo("verify=true");
        assertThatThrownBy(() -> get(tls, "127.0.0.1")).isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void aCaFileTrustsItsCertificateButStillChecksTheName() throws Exception {
        TlsVerify tls = TlsVerify.parse(cert.caPem().toString(), "x: ");
        assertThat(tls.describe()).isEqualTo("verify=" + cert.caPem());
        assertThat(get(tls, "127.0.0.1")).isEqualTo(204);
        // "localhost" is not in the certificate's SAN: pinning the CA does not excuse the name
        assertThatThrownBy(() -> get(tls, "localhost")).isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void aCaFileForAnotherCaRefuses() throws Exception {
        Path other = Files.createDirectories(dir.resolve("other"));
        TestCertificate stranger = TestCertificate.generate(other, "ip:127.0.0.1");
        assertThatThrownBy(() -> get(TlsVerify.parse(stranger.caPem().toString(), "x: "), "127.0.0.1"))
                .isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void falseAcceptsAnyCertificateAndAnyName() throws Exception {
        TlsVerify tls = TlsVerify.parse("false", "x: ");
        assertThat(tls.describe()).isEqualTo("verify=false");
        assertThat(get(tls, "127.0.0.1")).isEqualTo(204);
        assertThat(get(tls, "localhost")).isEqualTo(204);
    }

    @Test
    void badValuesAreNamedWithTheirPrefix() throws Exception {
        assertThatThrownBy(() -> TlsVerify.parse(dir.resolve("none.pem").toString(), "bmc node1: "))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("bmc node1: 'verify' must be true, false or the path of a PEM CA file; ")
                .hasMessageContaining("none.pem is not a file");
        Path empty = Files.writeString(dir.resolve("empty.pem"), "");
        assertThatThrownBy(() -> TlsVerify.parse(empty.toString(), "bmc node1: "))
                .isInstanceOf(InvalidInputException.class).hasMessage("bmc node1: 'verify': no certificate in " + empty);
        Path junk = Files.writeString(dir.resolve("junk.pem"), "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n");
        assertThatThrownBy(() -> TlsVerify.parse(junk.toString(), "bmc node1: "))
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("bmc node1: 'verify': " + junk + " is not a PEM certificate");
        assertThatThrownBy(() -> TlsVerify.parse("yes", "bmc node1: ")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("'verify' must be true, false or the path of a PEM CA file");
    }
}
