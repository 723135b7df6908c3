package io.netrescue.power.server;

import java.util.Set;

/**
 * One way to control a machine's power: a BMC, a PDU outlet, a magic packet, a site script. Small on
 * purpose: the ladder and {@code netrescue power} need only these verbs. Implementations do their own
 * I/O with their own timeout and throw {@link PowerException} (never anything else) when the device
 * says no, does not answer, or cannot do what was asked.
 */
public interface PowerDriver {

    /** The driver's name in configuration: {@code ipmi}, {@code redfish}, {@code snmp}, {@code wol}, ... */
    String kind();

    /** What this device can do; the ladder skips a driver for an action it lacks. */
    Set<PowerAction> supports();

    /** The device's view of the power state (UNKNOWN where it cannot tell, e.g. Wake-on-LAN). */
    PowerState status() throws PowerException;

    /** Performs ON, OFF, CYCLE or SOFT_RESET; returns a short human-readable detail for the timeline. */
    String perform(PowerAction action) throws PowerException;

    /** Where the device is, for logs and the timeline (never a secret): {@code ipmi 10.0.0.5:623}. */
    String describe();
}
