package io.netrescue.boot;

import io.netrescue.inventory.MacAddress;
import io.netrescue.inventory.SmbiosUuid;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** {@link BootInputs} over maps, standing in for the store. */
final class MapInputs implements BootInputs {
    final Map<String, Host> hosts = new HashMap<>();
    final Map<String, Profile> profiles = new HashMap<>();

    MapInputs host(Host h) {
        hosts.put(h.name(), h);
        return this;
    }

    MapInputs profile(Profile p) {
        profiles.put(p.name(), p);
        return this;
    }

    @Override
    public Optional<Host> hostByMac(MacAddress mac) {
        return hosts.values().stream().filter(h -> h.macs().contains(mac)).findFirst();
    }

    @Override
    public Optional<Host> hostByUuid(SmbiosUuid uuid) {
        return hosts.values().stream().filter(h -> h.uuid().equals(Optional.of(uuid))).findFirst();
    }

    @Override
    public Optional<Profile> profile(String name) {
        return Optional.ofNullable(profiles.get(name));
    }
}
