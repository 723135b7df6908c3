package io.netrescue.power.server;

/** What a power device reports. */
public enum PowerState { ON, OFF, UNKNOWN }
