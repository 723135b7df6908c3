package io.netrescue.archfixture;

/** An "agent" class that reads the server's configuration (ArchitectureTest). */
final class AgentUsingServer {
    Object config(io.netrescue.server.ServerConfig c) {
        return c.http();
    }
}
