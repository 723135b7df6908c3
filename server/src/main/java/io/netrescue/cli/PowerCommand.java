package io.netrescue.cli;

import io.netrescue.api.Json.PowerRequestJson;
import io.netrescue.power.server.PowerService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "power", description = {"Power a host through its power drivers (IPMI, Redfish, PDU, Wake-on-LAN, exec).",
        "  power web1 status", "  power web1 cycle", "  power web1 on --driver wol"})
final class PowerCommand extends ApiCommand {
    @Parameters(index = "0", paramLabel = "HOST") String host;
    @Parameters(index = "1", paramLabel = "ACTION", description = "status, on, off, cycle or soft-reset") String action;
    @Option(names = "--driver", paramLabel = "KIND", description = "Use this driver instead of the first capable one.") String driver;

    @Override
    public Integer call() {
        PowerService.Outcome o = opts.client().send("POST", "hosts/" + Out.path(host) + "/power", new PowerRequestJson(action, driver),
                PowerService.Outcome.class);
        Out.emit(spec, opts.json, o, out -> out.println(o.host() + ": " + o.action() + " via " + o.driver() + ": " + o.result()
                + " (" + o.detail() + ")"));
        return o.result().equals("ok") ? 0 : 1;
    }
}
