package io.netrescue.power.server;

import io.netrescue.inventory.InvalidInputException;
import io.netrescue.inventory.Printable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A BMC over IPMI 2.0 (RMCP+, {@code -I lanplus}) or 1.5 ({@code -I lan}) through the {@code ipmitool}
 * binary, as OpenStack Ironic and MAAS drive it. The password travels only in the child's environment
 * ({@code -E} reads IPMI_PASSWORD), never on its command line. See docs/power/ipmi.md.
 */
public final class IpmiDriver implements PowerDriver {
    private static final Logger log = LoggerFactory.getLogger(IpmiDriver.class);
    static final Set<String> SETTINGS = Set.of("address", "port", "user", "cipher-suite", "interface", "privilege", "ipmitool");

    enum Interface { LANPLUS, LAN }

    enum Privilege { ADMINISTRATOR, OPERATOR }

    private final String host;
    private final String address;
    private final int port;
    private final String user;
    private final int cipherSuite;
    private final Interface iface;
    private final Privilege privilege;
    private final String ipmitool;
    private final String password;
    private final Duration timeout;

    private IpmiDriver(String host, String address, int port, String user, int cipherSuite, Interface iface,
                       Privilege privilege, String ipmitool, String password, Duration timeout) {
        this.host = host;
        this.address = address;
        this.port = port;
        this.user = user;
        this.cipherSuite = cipherSuite;
        this.iface = iface;
        this.privilege = privilege;
        this.ipmitool = ipmitool;
        this.password = password;
        this.timeout = timeout;
    }

    public static IpmiDriver from(PowerSettings s) {
        s.onlyKnown(SETTINGS);
        String prefix = "ipmi power for " + s.host() + ": ";
        String address = s.required("address");
        if (!address.matches("[A-Za-z0-9][A-Za-z0-9.:_-]{0,252}|\\[[0-9A-Fa-f:.]{2,45}]")) {
            throw new InvalidInputException(prefix + "'address' must be a host name or an IP address, not '" + Printable.clip(address) + "'");
        }
        if (address.startsWith("[")) address = address.substring(1, address.length() - 1);
        int port = s.integer("port", 623, 1, 65535);
        String user = s.optional("user", "");
        // IPMI user names are at most 16 ASCII bytes (IPMI 2.0 table 22-27)
        if (!user.matches("[\\x21-\\x7e]{0,16}")) {
            throw new InvalidInputException(prefix + "'user' must be at most 16 printable ASCII characters without spaces");
        }
        Interface iface = switch (s.optional("interface", "lanplus").toLowerCase(Locale.ROOT)) {
            case "lanplus" -> Interface.LANPLUS;
            case "lan" -> Interface.LAN;
            default -> throw new InvalidInputException(prefix + "'interface' must be lanplus (IPMI 2.0) or lan (IPMI 1.5), not '"
                    + Printable.clip(s.optional("interface", "")) + "'");
        };
        if (iface == Interface.LAN && s.settings().containsKey("cipher-suite")) {
            throw new InvalidInputException(prefix + "'cipher-suite' applies only to interface=lanplus (IPMI 1.5 has no cipher suites)");
        }
        // Suite 0 authenticates nothing: anyone on the BMC's network could power the machine off.
        int cipherSuite = s.integer("cipher-suite", 3, 1, 17);
        Privilege privilege = switch (s.optional("privilege", "administrator").toLowerCase(Locale.ROOT)) {
            case "administrator", "admin" -> Privilege.ADMINISTRATOR;
            case "operator" -> Privilege.OPERATOR;
            default -> throw new InvalidInputException(prefix + "'privilege' must be ADMINISTRATOR or OPERATOR, not '"
                    + Printable.clip(s.optional("privilege", "")) + "'");
        };
        String ipmitool = s.optional("ipmitool", "ipmitool");
        if (ipmitool.contains("/")) {
            Path p = Path.of(ipmitool);
            if (!p.isAbsolute() || !Files.isRegularFile(p) || !Files.isExecutable(p)) {
                throw new InvalidInputException(prefix + "'ipmitool' must be an absolute path to an executable file, not '"
                        + Printable.clip(ipmitool) + "'");
            }
        } else if (!ipmitool.matches("[A-Za-z0-9._+-]+") || ipmitool.startsWith("-")) {
            throw new InvalidInputException(prefix + "'ipmitool' must be a program name on PATH or an absolute path");
        }
        return new IpmiDriver(s.host(), address, port, user, cipherSuite, iface, privilege, ipmitool, s.requiredSecret(), s.timeout());
    }

    @Override
    public String kind() {
        return "ipmi";
    }

    @Override
    public Set<PowerAction> supports() {
        return EnumSet.allOf(PowerAction.class);
    }

    @Override
    public String describe() {
        return "ipmi " + (address.contains(":") ? "[" + address + "]" : address) + ":" + port;
    }

    @Override
    public PowerState status() throws PowerException {
        return switch (call(PowerAction.STATUS, "status")) {
            case IpmitoolOutput.Power p -> p.state();
            case IpmitoolOutput.Accepted a -> throw new PowerException(describe() + ": unexpected answer to power status", false);
            case IpmitoolOutput.Failed f -> throw failure(PowerAction.STATUS, f);
        };
    }

    @Override
    public String perform(PowerAction action) throws PowerException {
        return switch (action) {
            case STATUS -> "chassis power is " + status().name().toLowerCase(Locale.ROOT) + " according to " + where();
            case ON -> control(action, "on");
            case OFF -> control(action, "off");
            // A warm reset: the BMC pulses the reset line, power stays on. Not "soft" (an ACPI power-button press
            // that asks the OS to shut down and leaves the machine off, or does nothing when the OS is hung).
            case SOFT_RESET -> control(action, "reset");
            case CYCLE -> {
                // IPMI 2.0 §28.3: power cycle on a chassis that is off may do nothing (ipmi_sim: accepted, stays off)
                // or fail with 0xD5 on some BMCs. A machine we want back that is off just needs power on.
                if (status() == PowerState.OFF) {
                    yield "chassis was off, so power on instead of cycle: " + control(action, "on");
                }
                yield control(action, "cycle");
            }
        };
    }

    private String control(PowerAction action, String word) throws PowerException {
        return switch (call(action, word)) {
            case IpmitoolOutput.Accepted a -> "chassis power " + word + " accepted by " + where() + " (" + a.control() + ")";
            case IpmitoolOutput.Power p -> throw new PowerException(describe() + ": unexpected answer to power " + word, false);
            case IpmitoolOutput.Failed f -> throw failure(action, f);
        };
    }

    private String where() {
        return (address.contains(":") ? "[" + address + "]" : address) + ":" + port;
    }

    private PowerException failure(PowerAction action, IpmitoolOutput.Failed f) {
        return new PowerException(describe() + ": power " + action.word() + " failed: " + f.reason(), f.retryable());
    }

    private IpmitoolOutput.Outcome call(PowerAction action, String word) throws PowerException {
        List<String> argv = argv(word);
        try {
            Subprocess.Result r = Subprocess.run(argv, Map.of("IPMI_PASSWORD", password), timeout);
            IpmitoolOutput.Outcome o = IpmitoolOutput.read(action == PowerAction.STATUS, r.exit(), redact(r.stdout()), redact(r.stderr()));
            log.atInfo().addKeyValue("host", host).addKeyValue("bmc", where()).addKeyValue("action", action.word())
                    .addKeyValue("exit", r.exit()).addKeyValue("ms", r.elapsed().toMillis())
                    .addKeyValue("outcome", o.toString())
                    .log("ipmitool chassis power");
            return o;
        } catch (Subprocess.TimedOut e) {
            log.atWarn().addKeyValue("host", host).addKeyValue("bmc", where()).addKeyValue("action", action.word())
                    .addKeyValue("timeoutMs", timeout.toMillis()).log("ipmitool timed out, killed");
            return new IpmitoolOutput.Failed("no answer within " + timeout.toMillis() + " ms (ipmitool killed)", true);
        } catch (IOException e) {
            // ProcessBuilder.start: the binary is missing or not executable
            throw new PowerException(describe() + ": cannot run '" + Printable.clip(ipmitool) + "' (setting 'ipmitool'): "
                    + Printable.clip(e.getMessage()), false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PowerException(describe() + ": interrupted while waiting for ipmitool", false);
        }
    }

    /** The command line for one {@code chassis power} verb; package-private so tests can prove no secret is in it. */
    List<String> argv(String powerWord) {
        List<String> a = new ArrayList<>(List.of(ipmitool, "-v", "-I", iface.name().toLowerCase(Locale.ROOT)));
        if (iface == Interface.LANPLUS) a.addAll(List.of("-C", Integer.toString(cipherSuite)));
        a.addAll(List.of("-H", address, "-p", Integer.toString(port), "-L", privilege.name()));
        // ipmitool's own retries must end inside our timeout: IPMI 1.5 BMCs drop a packet with a wrong
        // password silently, so "Activate Session command failed" (not retryable) only comes after them;
        // killed by the timeout it would look like an outage and be retried into a lockout.
        a.addAll(List.of("-N", "1", "-R", Long.toString(Math.clamp(timeout.toSeconds() / 3, 1, 4))));
        if (!user.isEmpty()) a.addAll(List.of("-U", user));
        a.addAll(List.of("-E", "chassis", "power", powerWord));
        return a;
    }

    /** ipmitool never prints the password; this is the second lock in case some version or wrapper does (before clipping). */
    private String redact(String text) {
        return password.length() >= 3 ? text.replace(password, "***") : text;
    }
}
