package io.netrescue.boot;

import io.netrescue.inventory.MacAddress;
import io.netrescue.inventory.SmbiosUuid;
import java.util.Optional;

/** The reads a decision needs; the store implements it, tests use maps. */
public interface BootInputs {
    Optional<Host> hostByMac(MacAddress mac);

    Optional<Host> hostByUuid(SmbiosUuid uuid);

    Optional<Profile> profile(String name);
}
