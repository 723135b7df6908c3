package io.netrescue.power;

/** What a power device reports. */
public enum PowerState { ON, OFF, UNKNOWN }
