package io.netrescue.dhcp;

/** Which of our ports a request came in on: the DHCP port (67) or the PXE boot server port (4011). */
public enum ReceivedOn { DHCP, PXE }
