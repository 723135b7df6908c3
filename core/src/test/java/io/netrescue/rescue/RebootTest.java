package io.netrescue.rescue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netrescue.inventory.InvalidInputException;
import io.netrescue.rescue.Reboot.Means;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pure rules of rescue reboots and of which SSH keys an activation carries. */
class RebootTest {
    static final SshPublicKey A = SshPublicKey.parse("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKJorwhW84BJK7gwpeH38Gs16ZH8IhlXNLmCBmD0j3dL op@desk");
    static final SshPublicKey A_OTHER_COMMENT = SshPublicKey.parse("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKJorwhW84BJK7gwpeH38Gs16ZH8IhlXNLmCBmD0j3dL team");
    static final SshPublicKey B = SshPublicKey.parse("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDXabiQrh40dzw8EXvsTpls0PJj3uEBJI5y+PAJRJzoQ b@desk");

    @Test
    void wordsParseAndUnknownOnesAreRefusedByName() {
        assertThat(Reboot.parse(null)).isEqualTo(Reboot.NONE);
        assertThat(Reboot.parse("")).isEqualTo(Reboot.NONE);
        assertThat(Reboot.parse("Power")).isEqualTo(Reboot.POWER);
        assertThat(Reboot.parse("sysrq").word()).isEqualTo("sysrq");
        assertThatThrownBy(() -> Reboot.parse("bogus")).isInstanceOf(InvalidInputException.class)
                .hasMessage("unknown reboot 'bogus': use power, sysrq or none");
    }

    @Test
    void aRebootIsRefusedWhenTheHostOffersNoMeansForIt() {
        Means nothing = new Means(false, false), power = new Means(true, false), sysrq = new Means(false, true);
        assertThat(Reboot.NONE.refusal("web1", nothing)).isEmpty();
        assertThat(Reboot.POWER.refusal("web1", nothing)).get().asString().contains("no power driver of web1 can cycle it");
        assertThat(Reboot.POWER.refusal("web1", power)).isEmpty();
        assertThat(Reboot.SYSRQ.refusal("web1", power)).get().asString().contains("web1 has no SysRq settings");
        assertThat(Reboot.SYSRQ.refusal("web1", sysrq)).isEmpty();
        assertThat(Reboot.best(new Means(true, true))).isEqualTo(Reboot.POWER);
        assertThat(Reboot.best(sysrq)).isEqualTo(Reboot.SYSRQ);
        assertThat(Reboot.best(nothing)).isEqualTo(Reboot.NONE);
    }

    @Test
    void anActivationCarriesTheGivenAndTheRegisteredKeysEachOnce() {
        assertThat(RescueKeys.forActivation("web1", List.of(A), List.of(A_OTHER_COMMENT, B), false)).containsExactly(A, B);
        assertThat(RescueKeys.forActivation("web1", List.of(), List.of(B), false)).containsExactly(B);
        assertThat(RescueKeys.forActivation("web1", List.of(), List.of(), true)).isEmpty();
        assertThatThrownBy(() -> RescueKeys.forActivation("web1", List.of(), List.of(), false))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("SSH key or a password").hasMessageContaining("host ssh-key add web1");
    }

    @Test
    void fingerprintsAreReadAsSshKeygenPrintsThemOrUrlSafe() {
        String fp = B.fingerprint(); // ssh-keygen -l -E sha256: SHA256:EAVeFCKAQ/eVgJqEdhv5MNwiZBWmLlPVfDzQ0a4nc0A
        assertThat(fp).isEqualTo("SHA256:EAVeFCKAQ/eVgJqEdhv5MNwiZBWmLlPVfDzQ0a4nc0A");
        assertThat(RescueKeys.urlSafe(fp)).isEqualTo("SHA256:EAVeFCKAQ_eVgJqEdhv5MNwiZBWmLlPVfDzQ0a4nc0A");
        assertThat(RescueKeys.fingerprint(RescueKeys.urlSafe(fp))).isEqualTo(fp);
        assertThat(RescueKeys.fingerprint("EAVeFCKAQ/eVgJqEdhv5MNwiZBWmLlPVfDzQ0a4nc0A")).isEqualTo(fp);
        for (String bad : new String[] {"", "SHA256:", "MD5:aa:bb", fp + "=", fp.substring(0, 20), "SHA256:EAVeFCKAQ/eVgJqEdhv5MNwiZBWmLlPVfDzQ0a4nc0B", fp + "\n/x"}) {
            assertThatThrownBy(() -> RescueKeys.fingerprint(bad)).as(bad).isInstanceOf(InvalidInputException.class).hasMessageContaining("fingerprint");
        }
    }
}
