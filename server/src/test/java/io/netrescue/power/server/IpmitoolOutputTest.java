package io.netrescue.power.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netrescue.power.server.IpmitoolOutput.Accepted;
import io.netrescue.power.server.IpmitoolOutput.Failed;
import io.netrescue.power.server.IpmitoolOutput.Power;
import org.junit.jupiter.api.Test;

/** ipmitool 1.8.19's output as captured against ipmi_sim and a dead port (see docs/power/ipmi.md). */
class IpmitoolOutputTest {
    private static final String IANA = "Loading IANA PEN Registry...\n";

    private static IpmitoolOutput.Outcome read(boolean status, int exit, String out, String err) {
        return IpmitoolOutput.read(status, exit, out, err);
    }

    private static boolean retryable(IpmitoolOutput.Outcome o) {
        return ((Failed) o).retryable();
    }

    @Test
    void answers() {
        assertThat(read(true, 0, "Chassis Power is on\n", IANA)).isEqualTo(new Power(PowerState.ON));
        assertThat(read(true, 0, "Chassis Power is off\n", "")).isEqualTo(new Power(PowerState.OFF));
        assertThat(read(false, 0, "Chassis Power Control: Cycle\n", IANA)).isEqualTo(new Accepted("Cycle"));
        assertThat(read(true, 0, "Chassis Power is dim\n", "")).isEqualTo(new Failed("unexpected power state 'dim'", false));
        assertThat(read(false, 0, "hello\n", "")).isEqualTo(
                new Failed("ipmitool succeeded but printed no power control answer (stdout: 'hello')", false));
    }

    @Test
    void failuresAreClassified() {
        assertThat(read(true, 1, "", IANA + "> RAKP 2 HMAC is invalid\nError: Unable to establish IPMI v2 / RMCP+ session\n"))
                .isEqualTo(new Failed("the BMC rejected the password: \"RAKP 2 HMAC is invalid\"", false));
        assertThat(read(true, 1, "", IANA + "Activate Session command failed\nError: Unable to establish LAN session\n"))
                .isEqualTo(new Failed("the BMC refused the IPMI 1.5 session (wrong password or authentication type): \"Activate Session command failed\"", false));
        assertThat(retryable(read(false, 1, "", "Set Chassis Power Control to Up/On failed: Insufficient privilege level\n"))).isFalse();
        assertThat(read(false, 1, "", "Set Chassis Power Control to Cycle failed: Invalid data field in request\n"))
                .isEqualTo(new Failed("the BMC refused the command: \"Set Chassis Power Control to Cycle failed: Invalid data field in request\"", false));
        assertThat(read(true, 1, "", IANA + "Get Auth Capabilities error\nError issuing Get Channel Authentication Capabilities request\n"
                + "Error: Unable to establish IPMI v2 / RMCP+ session\n"))
                .isEqualTo(new Failed("the BMC does not answer: \"Get Auth Capabilities error\"", true));
        assertThat(read(true, 1, "", "Error: Unable to establish IPMI v2 / RMCP+ session\n"))
                .isEqualTo(new Failed("no session with the BMC: \"Error: Unable to establish IPMI v2 / RMCP+ session\"", true));
        assertThat(retryable(read(true, 1, "", "Address lookup for bmc.invalid failed\nCould not open socket!\n"))).isTrue();
        assertThat(read(true, 134, "", "ipmitool: lanplus.c:1839: ipmi_lanplus_build_v2x_msg: Assertion `0' failed.\n"))
                .isEqualTo(new Failed("ipmitool died with signal 6: \"ipmitool: lanplus.c:1839: ipmi_lanplus_build_v2x_msg: Assertion `0' failed.\"", false));
        assertThat(read(true, 1, "", "something new\n")).isEqualTo(new Failed("ipmitool failed (exit 1): \"something new\"", false));
    }

    @Test
    void verboseProbesDoNotDecideTheClass() {
        // -v prints this on every connection to ipmi_sim; it must not make a lost session look like "refused the command"
        String err = IANA + "Running Get VSO Capabilities my_addr 0x20, transit 0, target 0x20\n"
                + "Invalid completion code received: Invalid command\nDiscovered IPMB address 0x0\n"
                + "Error: Unable to establish IPMI v2 / RMCP+ session\n";
        assertThat(retryable(read(true, 1, "", err))).isTrue();
    }

    @Test
    void deviceTextIsMadePrintableAndShort() {
        Failed f = (Failed) read(true, 1, "", "bad\u0007\u001b[31m" + "x".repeat(500) + "\n");
        assertThat(f.reason()).doesNotContainPattern("[\\x00-\\x1f]").hasSizeLessThan(160);
    }
}
