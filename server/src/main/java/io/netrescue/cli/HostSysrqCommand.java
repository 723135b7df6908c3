package io.netrescue.cli;

import io.netrescue.api.Json.SysrqConfigJson;
import io.netrescue.sysrq.client.SysrqDefaults;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "sysrq", description = {"Show or set how a host's network SysRq is reached.",
        "  host sysrq web1 --dialect agent --address 10.0.0.5",
        "  host sysrq web1 --dialect xt --address 10.0.0.5 --password-file pw --hash sha256"})
final class HostSysrqCommand extends ApiCommand {
    @Parameters(paramLabel = "NAME") String name;
    @Option(names = "--dialect", paramLabel = "agent|xt") String dialect;
    @Option(names = "--address", paramLabel = "IP", description = "Where requests go.") String address;
    @Option(names = "--agent-port", paramLabel = "PORT", description = "Agent UDP port (default " + SysrqDefaults.AGENT_PORT + ").") Integer agentPort;
    @Option(names = "--xt-port", paramLabel = "PORT", description = "xt_SYSRQ UDP port (default " + SysrqDefaults.XT_PORT + ").") Integer xtPort;
    @Option(names = "--hash-address", paramLabel = "IP", description = "xt: destination address as the host sees it, behind a NAT.") String hashAddress;
    @Option(names = "--hash", paramLabel = "sha1|sha256", description = "xt: the module's hash (default " + SysrqDefaults.XT_HASH_NAME + ").") String hash;
    @Option(names = "--password-file", paramLabel = "FILE", description = "xt: file holding the module's password (sent once, stored sealed, never shown).") Path passwordFile;
    @Option(names = "--allowed-keys", paramLabel = "KEYS", description = "Keys the server may send this host (default " + SysrqDefaults.ALLOWED_KEYS + ").") String allowedKeys;
    @Option(names = "--remove", description = "Remove the host's SysRq settings.") boolean remove;

    @Override
    public Integer call() {
        ApiClient c = opts.client();
        String path = "hosts/" + Out.path(name) + "/sysrq";
        if (remove) {
            c.send("DELETE", path, null, Void.class);
            spec.commandLine().getOut().println("removed SysRq settings of " + name);
            return 0;
        }
        SysrqConfigJson cfg;
        boolean change = dialect != null || address != null || agentPort != null || xtPort != null || hashAddress != null
                || hash != null || passwordFile != null || allowedKeys != null;
        if (change) {
            String pw = null;
            if (passwordFile != null) {
                try {
                    pw = Files.readString(passwordFile);
                } catch (IOException e) {
                    throw new CliException("cannot read " + passwordFile + ": " + e.getMessage());
                }
                // a trailing newline is the classic xt_SYSRQ pitfall (`echo` into the parameter): never part of the password
                pw = pw.endsWith("\r\n") ? pw.substring(0, pw.length() - 2) : pw.endsWith("\n") ? pw.substring(0, pw.length() - 1) : pw;
            }
            cfg = c.send("PUT", path, new SysrqConfigJson(dialect, address, agentPort, xtPort, hashAddress, hash, pw, null, allowedKeys, null),
                    SysrqConfigJson.class);
            if (cfg.warning() != null) {
                spec.commandLine().getErr().println("netrescue: WARNING: " + cfg.warning());
                spec.commandLine().getErr().flush();
            }
        } else {
            cfg = c.send("GET", path, null, SysrqConfigJson.class);
        }
        SysrqConfigJson shown = cfg;
        return Out.emit(spec, opts.json, cfg, out -> {
            out.println("dialect:      " + shown.dialect());
            out.println("address:      " + shown.address() + " (agent port " + shown.agentPort() + ", xt port " + shown.xtPort() + ")");
            out.println("hash address: " + (shown.hashAddress() == null ? "- (same)" : shown.hashAddress()));
            out.println("xt hash:      " + shown.hash() + ", password " + (Boolean.TRUE.equals(shown.passwordSet()) ? "set" : "not set"));
            out.println("allowed keys: " + shown.allowedKeys());
        });
    }
}
