package io.netrescue.api;

import io.netrescue.api.Json.ErrorJson;
import io.netrescue.api.Json.KnownHostsJson;
import io.netrescue.api.Json.RescueEndJson;
import io.netrescue.api.Json.RescueJson;
import io.netrescue.api.Json.RescueRequestJson;
import io.netrescue.boot.Durations;
import io.netrescue.rescue.Reboot;
import io.netrescue.rescue.RescueActivation;
import io.netrescue.rescue.RescueKeys;
import io.netrescue.rescue.SshPublicKey;
import io.netrescue.rescue.server.RescueService;
import io.netrescue.store.NotFoundException;
import java.util.List;
import java.util.Optional;

/**
 * {@code /api/v1/hosts/NAME/rescue}: POST activates (the answer carries the one-time root password,
 * the only time it is ever shown, and the outcome of a {@code reboot}), GET shows the activation, DELETE ends it;
 * {@code /api/v1/hosts/NAME/rescue/known-hosts}: the verified {@code known_hosts} lines.
 */
public final class RescueApi {
    private final RescueService service;

    public RescueApi(RescueService service) {
        this.service = service;
    }

    SysrqApi.Reply route(String method, String host, String sub, SysrqApi.Body body, String actor) {
        if ("end".equals(sub)) {
            if (!"POST".equals(method)) return new SysrqApi.Reply(405, new ErrorJson("method not allowed"));
            String text = body.text();
            RescueEndJson r = text.isBlank() ? new RescueEndJson(null) : ApiHandler.parseBody(text, RescueEndJson.class);
            return new SysrqApi.Reply(200, RescueJson.of(service.end(host, Reboot.parse(Json.optional(r.reboot(), "reboot")), actor)));
        }
        if (sub != null) {
            if (!sub.equals("known-hosts")) throw new NotFoundException("no such API path");
            if (!"GET".equals(method)) return new SysrqApi.Reply(405, new ErrorJson("method not allowed"));
            return new SysrqApi.Reply(200, new KnownHostsJson(host, service.knownHosts(host)));
        }
        return switch (method) {
            case "GET" -> new SysrqApi.Reply(200, RescueJson.of(service.status(host)
                    .orElseThrow(() -> new NotFoundException(host + " was never sent to rescue")), Optional.empty()));
            case "POST" -> {
                RescueRequestJson r = ApiHandler.parseBody(body.text(), RescueRequestJson.class);
                Reboot reboot = Reboot.parse(Json.optional(r.reboot(), "reboot"));
                List<String> lines = r.sshKeys() == null ? List.of() : r.sshKeys();
                List<SshPublicKey> keys = SshPublicKey.parseAll(lines, i -> "sshKeys[" + i + "]");
                RescueKeys.checkGiven(keys); // the limit counts what the activation carries: RescueKeys.forActivation
                var lasting = Optional.ofNullable(Json.optional(r.forDuration(), "for")).map(Durations::parse).orElse(RescueActivation.DEFAULT);
                var a = service.activate(host, keys, Boolean.TRUE.equals(r.password()), lasting, reboot, actor);
                yield new SysrqApi.Reply(201, RescueJson.of(a));
            }
            case "DELETE" -> new SysrqApi.Reply(200, RescueJson.of(service.end(host, actor), Optional.empty()));
            default -> new SysrqApi.Reply(405, new ErrorJson("method not allowed"));
        };
    }
}
