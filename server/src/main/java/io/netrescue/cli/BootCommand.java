package io.netrescue.cli;

import io.netrescue.api.Json.BootChange;
import io.netrescue.api.Json.BootJson;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "boot", description = {"Show or set what a host boots next.",
        "  boot HOST                      show the mode",
        "  boot HOST local                its local disk (default)",
        "  boot HOST rescue [PROFILE]     the rescue system",
        "  boot HOST profile NAME         NAME at every boot",
        "  boot HOST once NAME            NAME exactly once, then the mode it had before",
        "--for DURATION (e.g. 2h) returns the host to local after that time."})
final class BootCommand extends ApiCommand {
    @Parameters(index = "0", paramLabel = "HOST") String host;
    @Parameters(index = "1", arity = "0..1", paramLabel = "MODE") String mode;
    @Parameters(index = "2", arity = "0..1", paramLabel = "PROFILE") String profile;
    @Option(names = "--for", paramLabel = "DURATION", description = "Expire after this long (90s, 15m, 2h, 1d).") String forDuration;

    @Override
    public Integer call() {
        ApiClient c = opts.client();
        BootJson b;
        if (mode == null) {
            if (forDuration != null) throw new CliException("--for needs a MODE");
            b = c.send("GET", "hosts/" + Out.path(host) + "/boot", null, BootJson.class);
        } else {
            b = c.send("PUT", "hosts/" + Out.path(host) + "/boot", new BootChange(mode, profile, forDuration), BootJson.class);
        }
        BootJson shown = b;
        return Out.emit(spec, opts.json, b, out -> out.println(host + ": " + Out.boot(shown)));
    }
}
