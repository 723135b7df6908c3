/**
 * Deliberate violations of the architecture's rules, so that {@code ArchitectureTest} can show each
 * rule still catches one. Test sources only; nothing here is ever called.
 */
package io.netrescue.archfixture;
