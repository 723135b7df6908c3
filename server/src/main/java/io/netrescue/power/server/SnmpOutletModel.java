package io.netrescue.power.server;

import io.netrescue.inventory.InvalidInputException;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.snmp4j.smi.OID;

/**
 * How one PDU family switches an outlet: the INTEGER object per outlet and the values that mean on,
 * off and (optionally) reboot. {@code apc} is PowerNet-MIB sPDUOutletCtl; {@code generic} is given
 * in the settings.
 */
record SnmpOutletModel(String name, String oidTemplate, int on, int off, Optional<Integer> cycle,
                       Set<Integer> statusOn, Set<Integer> statusOff) {

    /** PowerNet-MIB sPDUOutletCtl.N: write 1 on, 2 off, 3 reboot (off, sPDUOutletRebootDuration, on). */
    static final String APC_OID = "1.3.6.1.4.1.318.1.1.4.4.2.1.3.{outlet}";

    /**
     * APC read-backs: outletOn(1) is ON, outletOff(2) is OFF. outletReboot(3), outletUnknown(4) and
     * the *WithDelay values (5-7) are UNKNOWN: during a reboot the outlet is off for the reboot
     * duration and then on, so neither answer would be true for the whole time.
     */
    static SnmpOutletModel apc() {
        return new SnmpOutletModel("apc", APC_OID, 1, 2, Optional.of(3), Set.of(1), Set.of(2));
    }

    static SnmpOutletModel generic(PowerSettings s, String where) {
        String oid = s.required("oid");
        if (!oid.contains("{outlet}")) throw new InvalidInputException(where + ": 'oid' must contain {outlet}, not '" + oid + "'");
        if (!oid.replace("{outlet}", "1").replaceFirst("^\\.", "").matches("[0-9]+(\\.[0-9]+)+")) {
            throw new InvalidInputException(where + ": 'oid' must be dotted numbers with {outlet}, not '" + oid + "'");
        }
        int on = intValue(s, "on-value", where);
        int off = intValue(s, "off-value", where);
        if (on == off) throw new InvalidInputException(where + ": 'on-value' and 'off-value' must differ");
        Optional<Integer> cycle = Optional.ofNullable(s.optional("cycle-value", null)).map(v -> intValue(s, "cycle-value", where));
        Set<Integer> statusOn = ints(s.optional("status-on", String.valueOf(on)), "status-on", where);
        Set<Integer> statusOff = ints(s.optional("status-off", String.valueOf(off)), "status-off", where);
        if (statusOn.stream().anyMatch(statusOff::contains)) {
            throw new InvalidInputException(where + ": 'status-on' and 'status-off' share a value");
        }
        return new SnmpOutletModel("generic", oid.replaceFirst("^\\.", ""), on, off, cycle, statusOn, statusOff);
    }

    OID oid(int outlet) {
        return new OID(oidTemplate.replace("{outlet}", Integer.toString(outlet)));
    }

    PowerState state(int value) {
        return statusOn.contains(value) ? PowerState.ON : statusOff.contains(value) ? PowerState.OFF : PowerState.UNKNOWN;
    }

    private static int intValue(PowerSettings s, String key, String where) {
        String v = s.required(key);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new InvalidInputException(where + ": '" + key + "' must be an integer, not '" + v + "'");
        }
    }

    private static Set<Integer> ints(String v, String key, String where) {
        try {
            Set<Integer> out = Arrays.stream(v.split(",")).map(String::strip).map(Integer::parseInt).collect(Collectors.toUnmodifiableSet());
            if (out.isEmpty()) throw new NumberFormatException();
            return out;
        } catch (NumberFormatException e) {
            throw new InvalidInputException(where + ": '" + key + "' must be an integer (or a comma list for status values), not '" + v + "'");
        }
    }
}
