package io.netrescue.cli;

import io.netrescue.secrets.ApiToken;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options every client command shares: where the server is and how to prove who we are. */
final class ClientOptions {
    @Option(names = "--server", paramLabel = "URL", defaultValue = "${env:NETRESCUE_SERVER:-http://127.0.0.1:8080}",
            description = "Server URL (env NETRESCUE_SERVER; default ${DEFAULT-VALUE}).")
    String server;

    @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:NETRESCUE_TOKEN}",
            description = "API token (env NETRESCUE_TOKEN; default: read from DIR/api-token).")
    String token;

    @Option(names = "--data", paramLabel = "DIR", defaultValue = "${env:NETRESCUE_DATA:-./var}",
            description = "Server data directory, to read the API token from (default ${DEFAULT-VALUE}).")
    String data;

    @Option(names = "--json", description = "Print JSON for scripts instead of a table.")
    boolean json;

    ApiClient client() {
        URI u;
        try {
            u = URI.create(server);
            if (u.getScheme() == null || u.getHost() == null) throw new IllegalArgumentException();
        } catch (IllegalArgumentException e) {
            throw new CliException("--server '" + server + "' is not a URL like http://127.0.0.1:8080");
        }
        String t = token;
        if (t == null || t.isBlank()) {
            Path f = Path.of(data).resolve(ApiToken.FILE);
            try {
                t = Files.exists(f) ? Files.readString(f).strip() : null;
            } catch (IOException e) {
                throw new CliException("cannot read the API token from " + f + ": " + e.getMessage() + " (use --token or NETRESCUE_TOKEN)");
            }
        }
        return new ApiClient(u, t);
    }
}
