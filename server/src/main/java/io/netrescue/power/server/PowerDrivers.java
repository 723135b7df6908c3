package io.netrescue.power.server;

import io.netrescue.inventory.InvalidInputException;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** The driver kinds a host can be configured with, by name. */
public final class PowerDrivers {
    private static final Map<String, Function<PowerSettings, PowerDriver>> KINDS = Map.of(
            "ipmi", IpmiDriver::from,
            "redfish", RedfishDriver::from,
            "snmp", SnmpPduDriver::from,
            "wol", WolDriver::from,
            "exec", ExecDriver::from);

    private PowerDrivers() {}

    public static List<String> kinds() {
        return KINDS.keySet().stream().sorted().toList();
    }

    /** Builds (and so validates) a driver; InvalidInputException names the bad setting. */
    public static PowerDriver create(PowerSettings s) {
        Function<PowerSettings, PowerDriver> f = KINDS.get(s.kind());
        if (f == null) throw new InvalidInputException("unknown power driver '" + s.kind() + "' (known: " + String.join(", ", kinds()) + ")");
        return f.apply(s);
    }
}
