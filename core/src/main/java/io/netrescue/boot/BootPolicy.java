package io.netrescue.boot;

import io.netrescue.inventory.Cidr;
import java.net.InetAddress;
import java.util.List;

/**
 * Server-wide rules for boot decisions.
 *
 * @param unknownMachines what a machine whose MAC and UUID are not in the inventory boots
 * @param rescueProfile the profile {@code rescue} mode boots when the host names none
 * @param natSources source addresses of NAT gateways or proxies in front of booting machines;
 *     from these, the reported IP cannot be checked against the source and is taken as claimed
 * @param localBoot how the iPXE script hands the machine back to its firmware
 */
public record BootPolicy(UnknownMachines unknownMachines, String rescueProfile, List<Cidr> natSources, LocalBoot localBoot) {

    public enum UnknownMachines { LOCAL, RESCUE }

    public enum LocalBoot {
        /** {@code exit}: iPXE returns to the firmware, which tries the next boot device. */
        EXIT,
        /** {@code sanboot --no-describe --drive 0x80}: boot the first BIOS disk directly. */
        SANBOOT
    }

    public static final BootPolicy DEFAULT = new BootPolicy(UnknownMachines.LOCAL, "rescue", List.of(), LocalBoot.EXIT);

    public BootPolicy {
        natSources = List.copyOf(natSources);
        Profile.checkName(rescueProfile);
    }

    public boolean isNatSource(InetAddress a) {
        for (Cidr c : natSources) if (c.contains(a)) return true;
        return false;
    }
}
