package io.netrescue.cli;

import io.netrescue.api.Json;
import io.netrescue.api.Json.ErrorJson;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import tools.jackson.core.type.TypeReference;

/** The CLI's view of the server: JSON over HTTP with the bearer token; failures become {@link CliException}. */
final class ApiClient {
    private final URI base;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    ApiClient(URI base, String token) {
        this.base = base;
        this.token = token;
    }

    <T> T get(String path, TypeReference<T> type) {
        return Json.MAPPER.readValue(send("GET", path, null), type);
    }

    <T> T send(String method, String path, Object body, Class<T> type) {
        String s = send(method, path, body);
        return type == Void.class || s.isEmpty() ? null : Json.MAPPER.readValue(s, type);
    }

    /** GET {@code path}; empty when the server answers 404. */
    <T> java.util.Optional<T> find(String path, Class<T> type) {
        String s = send("GET", path, null, true);
        return s == null ? java.util.Optional.empty() : java.util.Optional.of(Json.MAPPER.readValue(s, type));
    }

    private String send(String method, String path, Object body) {
        return send(method, path, body, false);
    }

    private String send(String method, String path, Object body, boolean absentOk) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve("/api/v1/" + path)).timeout(Duration.ofSeconds(30));
        if (token != null) b.header("Authorization", "Bearer " + token);
        if (body != null) {
            b.header("Content-Type", "application/json");
            b.method(method, HttpRequest.BodyPublishers.ofString(Json.MAPPER.writeValueAsString(body)));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> r;
        try {
            r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new CliException("cannot reach the server at " + base + " (is `netrescue serve` running? --server URL)");
        } catch (IOException e) {
            throw new CliException("request to " + base + " failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted");
        }
        if (absentOk && r.statusCode() == 404) return null;
        if (r.statusCode() / 100 != 2) {
            String msg;
            try {
                msg = Json.MAPPER.readValue(r.body(), ErrorJson.class).error();
            } catch (RuntimeException e) {
                msg = "HTTP " + r.statusCode();
            }
            throw new CliException(msg);
        }
        return r.body();
    }
}
