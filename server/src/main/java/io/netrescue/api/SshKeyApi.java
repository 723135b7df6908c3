package io.netrescue.api;

import io.netrescue.api.Json.ErrorJson;
import io.netrescue.api.Json.SshKeyJson;
import io.netrescue.api.Json.SshKeysAddedJson;
import io.netrescue.api.Json.SshKeysRequestJson;
import io.netrescue.inventory.InvalidInputException;
import io.netrescue.rescue.SshPublicKey;
import io.netrescue.rescue.server.SshKeyService;
import java.util.List;

/**
 * {@code /api/v1/hosts/NAME/ssh-keys}: GET lists the host's registered SSH keys, POST registers keys
 * (201 when one is new, 200 when all already were), {@code DELETE .../ssh-keys/FINGERPRINT} removes one.
 * The fingerprint is {@code SHA256:...} as ssh-keygen prints it, with {@code _} for {@code /} and
 * {@code -} for {@code +} (base64url) so that it is one path segment.
 */
public final class SshKeyApi {
    private final SshKeyService service;

    public SshKeyApi(SshKeyService service) {
        this.service = service;
    }

    SysrqApi.Reply route(String method, String host, String fingerprint, SysrqApi.Body body, String actor) {
        if (fingerprint != null) {
            if (!"DELETE".equals(method)) return new SysrqApi.Reply(405, new ErrorJson("method not allowed"));
            service.remove(host, fingerprint, actor);
            return new SysrqApi.Reply(204, null);
        }
        return switch (method) {
            case "GET" -> new SysrqApi.Reply(200, service.list(host).stream().map(SshKeyJson::of).toList());
            case "POST" -> {
                SshKeysRequestJson r = ApiHandler.parseBody(body.text(), SshKeysRequestJson.class);
                List<String> lines = r.keys() == null ? List.of() : r.keys();
                if (lines.size() > SshKeyService.MAX_PER_HOST) throw new InvalidInputException("at most " + SshKeyService.MAX_PER_HOST + " SSH keys per host");
                var added = service.add(host, SshPublicKey.parseAll(lines, i -> "keys[" + i + "]"), actor);
                yield new SysrqApi.Reply(added.added().isEmpty() ? 200 : 201, new SshKeysAddedJson(host,
                        added.added().stream().map(SshKeyJson::of).toList(), added.unchanged().stream().map(SshKeyJson::of).toList()));
            }
            default -> new SysrqApi.Reply(405, new ErrorJson("method not allowed"));
        };
    }

}
