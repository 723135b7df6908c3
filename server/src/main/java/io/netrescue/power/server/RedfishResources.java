package io.netrescue.power.server;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Parses the few Redfish resources the driver reads (service root, a collection, a ComputerSystem,
 * an ActionInfo, an error body). Pure and I/O free so it can be fuzzed: every method returns a value
 * or throws {@link PowerException}; bytes from a BMC can cause nothing else.
 */
final class RedfishResources {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    static final String RESET_ACTION = "#ComputerSystem.Reset";

    private RedfishResources() {}

    /** A ComputerSystem as far as power control needs it. */
    record ComputerSystem(String id, Optional<String> powerState, Optional<ResetAction> reset) {
        PowerState state() {
            return powerState.map(RedfishResources::powerState).orElse(PowerState.UNKNOWN);
        }
    }

    /**
     * The system's {@code #ComputerSystem.Reset} action: where to POST, and the ResetType values the
     * BMC lists inline ({@code ResetType@Redfish.AllowableValues}) or in a separate ActionInfo resource.
     */
    record ResetAction(String target, Optional<List<String>> allowed, Optional<String> actionInfo) {}

    /** {@code On}, and {@code PoweringOn}/{@code PoweringOff}/{@code Paused} (power still applied) are ON. */
    static PowerState powerState(String s) {
        return switch (s) {
            case "On", "PoweringOn", "PoweringOff", "Paused" -> PowerState.ON;
            case "Off" -> PowerState.OFF;
            default -> PowerState.UNKNOWN;
        };
    }

    /** The {@code Systems} link of the service root. */
    static String systemsLink(byte[] serviceRoot) throws PowerException {
        JsonNode root = object(serviceRoot, "service root");
        return link(root.path("Systems"))
                .orElseThrow(() -> bad("service root has no Systems link"));
    }

    /** The {@code @odata.id} of each member of a collection. */
    static List<String> members(byte[] collection) throws PowerException {
        JsonNode c = object(collection, "collection");
        JsonNode m = c.path("Members");
        if (!m.isArray()) throw bad("collection has no Members array");
        List<String> ids = new ArrayList<>();
        for (JsonNode e : m.values()) ids.add(link(e).orElseThrow(() -> bad("collection member without @odata.id")));
        return List.copyOf(ids);
    }

    static ComputerSystem system(byte[] body) throws PowerException {
        JsonNode s = object(body, "ComputerSystem");
        String id = text(s.path("Id")).or(() -> text(s.path("@odata.id"))).orElse("?");
        Optional<String> power = text(s.path("PowerState"));
        JsonNode action = s.path("Actions").path(RESET_ACTION);
        Optional<ResetAction> reset = Optional.empty();
        if (action.isObject()) {
            String target = text(action.path("target"))
                    .orElseThrow(() -> bad("ComputerSystem " + clean(id) + " has a Reset action without a target"));
            JsonNode av = action.path("ResetType@Redfish.AllowableValues");
            Optional<List<String>> allowed = av.isMissingNode() ? Optional.empty() : Optional.of(strings(av, "ResetType@Redfish.AllowableValues"));
            reset = Optional.of(new ResetAction(target, allowed, text(action.path("@Redfish.ActionInfo"))));
        }
        return new ComputerSystem(clean(id), power, reset);
    }

    /** The AllowableValues of the ResetType parameter in an ActionInfo resource. */
    static List<String> actionInfoResetTypes(byte[] body) throws PowerException {
        JsonNode info = object(body, "ActionInfo");
        JsonNode params = info.path("Parameters");
        if (!params.isArray()) throw bad("ActionInfo has no Parameters array");
        for (JsonNode p : params.values()) {
            if (p.isObject() && text(p.path("Name")).filter("ResetType"::equals).isPresent()) {
                return strings(p.path("AllowableValues"), "ResetType AllowableValues");
            }
        }
        throw bad("ActionInfo has no ResetType parameter");
    }

    /**
     * What a Redfish error body says: {@code error.@Message.ExtendedInfo[0].Message}, else
     * {@code error.message}. Empty for anything else (an error page, garbage), never an exception.
     */
    static Optional<String> errorMessage(byte[] body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JacksonException | IllegalArgumentException e) {
            return Optional.empty();
        }
        if (root == null) return Optional.empty();
        JsonNode err = root.path("error");
        return text(err.path("@Message.ExtendedInfo").path(0).path("Message"))
                .or(() -> text(err.path("message")))
                .map(RedfishResources::clean);
    }

    /**
     * A link from a BMC ({@code @odata.id}, an action target) as a URI on the same BMC. A link to another
     * scheme, host or port is refused: the driver sends the password with every request.
     */
    static URI sameOrigin(URI base, String link) throws PowerException {
        URI u;
        try {
            u = base.resolve(new URI(link));
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw bad("link '" + clean(link) + "' is not a URI");
        }
        if (u.getHost() == null || u.getRawPath() == null || !u.getRawPath().startsWith("/")
                || !base.getScheme().equalsIgnoreCase(String.valueOf(u.getScheme()))
                || !base.getHost().equalsIgnoreCase(u.getHost()) || port(base) != port(u)) {
            throw bad("link '" + clean(link) + "' leaves " + base + "; refusing to send credentials there");
        }
        return u;
    }

    private static int port(URI u) {
        return u.getPort() != -1 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    /** Device text made safe for a one-line log or timeline entry: printable, at most 200 chars. */
    static String clean(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), 200));
        s.codePoints().limit(200).forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? ' ' : c));
        return b.toString().strip();
    }

    private static JsonNode object(byte[] body, String what) throws PowerException {
        JsonNode n;
        try {
            n = JSON.readTree(body);
        } catch (JacksonException | IllegalArgumentException e) {
            throw bad(what + " is not JSON (" + clean(String.valueOf(e.getMessage()).lines().findFirst().orElse("")) + ")");
        }
        if (n == null || !n.isObject()) throw bad(what + " is not a JSON object");
        return n;
    }

    private static Optional<String> link(JsonNode n) {
        return text(n.path("@odata.id"));
    }

    private static Optional<String> text(JsonNode n) {
        return n.isString() ? Optional.of(n.stringValue()) : Optional.empty();
    }

    private static List<String> strings(JsonNode n, String what) throws PowerException {
        if (!n.isArray()) throw bad(what + " is not an array");
        List<String> out = new ArrayList<>();
        for (JsonNode e : n.values()) out.add(text(e).orElseThrow(() -> bad(what + " has a value that is not a string")));
        return List.copyOf(out);
    }

    private static PowerException bad(String message) {
        // a BMC that answers nonsense will not answer sense on the next try
        return new PowerException("redfish: " + message, false);
    }
}
