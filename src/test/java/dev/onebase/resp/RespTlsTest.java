package dev.onebase.resp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.onebase.testsupport.TestApi;
import dev.onebase.testsupport.TestApi.Tenant;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/**
 * The RESP port with TLS ({@code onebase.resp.tls-cert} / {@code tls-key}): a self-signed certificate made for the
 * test with the JDK's keytool, Jedis over TLS trusting exactly that certificate, {@code redis-cli --tls}, and a
 * plain-text client that gets nothing.
 */
@QuarkusTest
@TestProfile(RespTlsTest.Tls.class)
class RespTlsTest {

    /** The certificate and key, as PEM files, made once before the application starts. */
    static final Path DIR = makeCertificate();

    public static class Tls implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("onebase.resp.tls-cert", DIR.resolve("cert.pem").toString(), "onebase.resp.tls-key",
                    DIR.resolve("key.pem").toString());
        }
    }

    @Inject
    RespServer server;

    @Test
    void jedisOverTlsTrustingTheCertificate() throws Exception {
        Tenant t = TestApi.signup();
        DefaultJedisClientConfig config = DefaultJedisClientConfig.builder().ssl(true)
                .sslSocketFactory(trusting(DIR.resolve("cert.pem")).getSocketFactory()).password(t.key()).build();
        try (Jedis r = new Jedis(new HostAndPort("localhost", server.port()), config)) {
            assertEquals("OK", r.set("secure", "yes"));
            assertEquals("yes", r.get("secure"));
            assertEquals("PONG", r.ping());
        }
    }

    @Test
    void jedisWithoutTrustFails() {
        DefaultJedisClientConfig config = DefaultJedisClientConfig.builder().ssl(true).build();
        // the JVM's default trust store does not know the self-signed certificate: the handshake fails
        org.junit.jupiter.api.Assertions.assertThrows(redis.clients.jedis.exceptions.JedisConnectionException.class, () -> {
            try (Jedis r = new Jedis(new HostAndPort("localhost", server.port()), config)) {
                r.ping();
            }
        });
    }

    @Test
    void redisCliWithTls() throws Exception {
        Tenant t = TestApi.signup();
        String out = run("redis-cli", "--tls", "--cacert", DIR.resolve("cert.pem").toString(), "-h", "localhost", "-p",
                Integer.toString(server.port()), "--no-auth-warning", "-a", t.key(), "set", "cli", "over-tls");
        assertEquals("OK", out.strip());
        out = run("redis-cli", "--tls", "--insecure", "-h", "127.0.0.1", "-p", Integer.toString(server.port()), "--no-auth-warning", "-a",
                t.key(), "get", "cli");
        assertEquals("over-tls", out.strip());
    }

    @Test
    void plainTextOnTheTlsPortGetsNoAnswer() throws Exception {
        try (Socket plain = new Socket("127.0.0.1", server.port())) {
            plain.setSoTimeout(10_000);
            plain.getOutputStream().write("*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII));
            plain.getOutputStream().flush();
            byte[] answer;
            try {
                answer = plain.getInputStream().readAllBytes();
            } catch (IOException e) {
                answer = new byte[0];
            }
            String text = new String(answer, StandardCharsets.ISO_8859_1);
            assertFalse(text.contains("PONG"), "a plain-text PING on the TLS port was answered: " + text);
        }
        String cli = run("redis-cli", "-h", "127.0.0.1", "-p", Integer.toString(server.port()), "ping");
        assertFalse(cli.contains("PONG"), cli);
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "redis-cli timed out");
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    private static SSLContext trusting(Path certPem) throws Exception {
        Certificate cert;
        try (InputStream in = Files.newInputStream(certPem)) {
            cert = CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("onebase", cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        return ssl;
    }

    /** A self-signed certificate for localhost / 127.0.0.1 with the JDK's keytool, written as cert.pem and key.pem (PKCS#8). */
    private static Path makeCertificate() {
        try {
            Path dir = Files.createTempDirectory("resp-tls");
            Path store = dir.resolve("keystore.p12");
            Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
            Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "resp", "-keyalg", "RSA", "-keysize", "2048",
                    "-validity", "2", "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-storetype", "PKCS12",
                    "-keystore", store.toString(), "-storepass", "changeit", "-keypass", "changeit").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("keytool failed: " + out);
            }
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                ks.load(in, "changeit".toCharArray());
            }
            Base64.Encoder mime = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
            byte[] key = ks.getKey("resp", "changeit".toCharArray()).getEncoded();
            byte[] cert = ks.getCertificate("resp").getEncoded();
            Files.writeString(dir.resolve("key.pem"), "-----BEGIN PRIVATE KEY-----\n" + mime.encodeToString(key) + "\n-----END PRIVATE KEY-----\n");
            Files.writeString(dir.resolve("cert.pem"), "-----BEGIN CERTIFICATE-----\n" + mime.encodeToString(cert) + "\n-----END CERTIFICATE-----\n");
            // a check that the PEM reads back as the certificate
            CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(Files.readAllBytes(dir.resolve("cert.pem"))));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
