/**
 * The inventory's use cases: hosts, profiles, boot modes and the event timeline, each a service that
 * owns its transaction, writes its audit event in the same transaction and refreshes the boot path's
 * cache after the commit. The API, the watchdog's ladder and the wiring call these; none of them
 * opens a transaction of its own.
 */
package io.netrescue.inventory.server;
