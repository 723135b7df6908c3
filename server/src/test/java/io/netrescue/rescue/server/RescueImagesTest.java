package io.netrescue.rescue.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netrescue.boot.Profile;
import io.netrescue.inventory.InvalidInputException;
import io.netrescue.testing.InventoryFixture;
import io.netrescue.testing.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Publishing a build into the assets, checksum checks, and the rescue profile that follows the current image. */
class RescueImagesTest {
    @TempDir Path dir;

    /** A build's output as build.sh leaves it: files, SHA256SUMS, KEY. */
    private Path build(String name, String kernel) throws Exception {
        Path out = Files.createDirectories(dir.resolve(name));
        Files.writeString(out.resolve("vmlinuz"), kernel);
        Files.writeString(out.resolve("rescue.cpio.zst"), "root of " + name);
        Files.writeString(out.resolve("agent.cpio.zst"), "agent of " + name);
        Files.writeString(out.resolve("KERNEL"), "6.1.0-test\n");
        Files.writeString(out.resolve("packages.txt"), "a=1\nb=2\n");
        StringBuilder sums = new StringBuilder();
        for (String f : List.of("vmlinuz", "rescue.cpio.zst", "agent.cpio.zst")) sums.append(RescueImages.sha256(out.resolve(f))).append("  ").append(f).append('\n');
        Files.writeString(out.resolve("SHA256SUMS"), sums);
        Files.writeString(out.resolve("KEY"), RescueImages.sha256(out.resolve("SHA256SUMS")) + "\n");
        return out;
    }

    @Test
    void aPublishedImageBecomesTheRescueProfileAndTheOneBeforeStays() throws Exception {
        Path assets = dir.resolve("assets");
        RescueImages images = new RescueImages(assets);
        assertThat(images.current()).isEmpty();
        var first = images.publish(build("b1", "kernel one"));
        assertThat(images.current()).get().extracting(RescueImages.Image::key).isEqualTo(first.key());
        assertThat(first.initrdPaths()).containsExactly("rescue/" + first.key() + "/rescue.cpio.zst", "rescue/" + first.key() + "/agent.cpio.zst");
        assertThat(first.packages()).isEqualTo(2);

        try (var f = InventoryFixture.open(dir.resolve("db"), new MutableClock(Instant.parse("2026-12-03T10:00:00Z")))) {
            Profile p = images.register(f.profiles(), "rescue", "t").orElseThrow();
            assertThat(p.kernel()).isEqualTo("rescue/" + first.key() + "/vmlinuz");
            assertThat(p.cmdline()).contains("rescue.token={token}", "rescue.url={server}", "rescue.mac={mac}");

            var second = images.publish(build("b2", "kernel two"));
            assertThat(images.register(f.profiles(), "rescue", "t").orElseThrow().kernel()).isEqualTo("rescue/" + second.key() + "/vmlinuz");
            assertThat(Files.isDirectory(first.dir())).as("the image before stays for machines still loading it").isTrue();
            var third = images.publish(build("b3", "kernel three"));
            assertThat(Files.exists(first.dir())).as("older ones go").isFalse();
            assertThat(Files.isDirectory(second.dir())).isTrue();

            // an operator's own rescue profile is never overwritten
            f.profiles().save(new Profile("rescue", "mine/vmlinuz", List.of(), "quiet"), true, "op");
            assertThat(images.register(f.profiles(), "rescue", "t").orElseThrow().kernel()).isEqualTo("mine/vmlinuz");
            assertThat(third.key()).isNotEqualTo(second.key());
        }
    }

    @Test
    void aCorruptImageIsNeverUsed() throws Exception {
        Path out = build("bad", "kernel");
        Files.writeString(out.resolve("rescue.cpio.zst"), "truncated");
        assertThatThrownBy(() -> new RescueImages(dir.resolve("assets")).publish(out))
                .hasMessageContaining("rescue.cpio.zst does not match SHA256SUMS");
        assertThat(new RescueImages(dir.resolve("assets")).current()).isEmpty();

        Path assets = dir.resolve("assets2");
        var img = new RescueImages(assets).publish(build("good", "kernel"));
        Files.writeString(img.dir().resolve("vmlinuz"), "tampered");
        assertThatThrownBy(() -> new RescueImages(assets).current()).hasMessageContaining("vmlinuz does not match SHA256SUMS");
        Files.writeString(assets.resolve("rescue/CURRENT"), "../../etc\n");
        assertThatThrownBy(() -> new RescueImages(assets).current()).hasMessageContaining("does not name an image");
    }

    private static String mirror(String url) {
        return new RescueImageBuilder.Settings("bookworm", url, RescueImageBuilder.Settings.SECURITY_DEFAULT, List.of(), Optional.empty(), false).mirror();
    }

    @Test
    void valuesThatReachTheBuildScriptAreChecked() {
        var ok = new RescueImageBuilder.Settings("bookworm", "http://deb.debian.org/debian/", "https://security.example/debian-security",
                List.of("htop", "g++", "libc6.1"), Optional.empty(), false);
        assertThat(ok.mirror()).isEqualTo("http://deb.debian.org/debian");
        for (String pkg : List.of("htop;reboot", "$(id)", "-o", "Htop", "a b", "")) {
            assertThatThrownBy(() -> new RescueImageBuilder.Settings("bookworm", RescueImageBuilder.Settings.MIRROR_DEFAULT,
                    RescueImageBuilder.Settings.SECURITY_DEFAULT, List.of(pkg), Optional.empty(), false))
                    .as(pkg).isInstanceOf(InvalidInputException.class).hasMessageContaining("not a Debian package name");
        }
        for (String url : List.of("ftp://x/debian", "http://x/deb ian", "http://x/$(id)", "file:///etc", "http://x/'q'")) {
            assertThatThrownBy(() -> new RescueImageBuilder.Settings("bookworm", url, RescueImageBuilder.Settings.SECURITY_DEFAULT, List.of(),
                    Optional.empty(), false)).as(url).isInstanceOf(InvalidInputException.class);
        }
        assertThat(mirror("http://[::1]:8080/debian/")).as("an IPv6 literal mirror").isEqualTo("http://[::1]:8080/debian");
        assertThat(mirror("https://10.0.0.1:3142/d")).isEqualTo("https://10.0.0.1:3142/d");
        // each refusal says what is wrong; a password is not repeated
        assertThatThrownBy(() -> mirror("http://user:pw@host/debian")).isInstanceOf(InvalidInputException.class)
                .hasMessage("mirror must not carry a user name or password (they would show in the build's logs and process listings): "
                        + "use a mirror without a login, or a local proxy: http://***@host/debian");
        assertThatThrownBy(() -> mirror("http://x/deb ian")).hasMessageStartingWith("mirror must not contain whitespace (");
        assertThatThrownBy(() -> mirror("http://x/'q'")).hasMessageStartingWith("mirror must not contain '" + "'" + "' (");
        assertThatThrownBy(() -> mirror("ftp://x/debian")).hasMessage("mirror must be an http:// or https:// URL: ftp://x/debian");
        assertThatThrownBy(() -> mirror("http:///debian")).hasMessage("mirror has no host name or address: http:///debian");
        assertThatThrownBy(() -> mirror("http://[::1/d")).hasMessageStartingWith("mirror is not a URL (");
        assertThatThrownBy(() -> new RescueImageBuilder.Settings("book worm", RescueImageBuilder.Settings.MIRROR_DEFAULT,
                RescueImageBuilder.Settings.SECURITY_DEFAULT, List.of(), Optional.empty(), false)).isInstanceOf(InvalidInputException.class);
    }
}
