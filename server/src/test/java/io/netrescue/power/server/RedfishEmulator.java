package io.netrescue.power.server;

import io.netrescue.testing.TestCertificate;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A Redfish BMC for tests: serves DMTF's public-rackmount1 mockup (test resources, BSD-3-Clause) and
 * implements {@code ComputerSystem.Reset} the way the lab's rf_power.py does (On, ForceOn, ForceRestart,
 * GracefulRestart, PowerCycle, Nmi -> On; ForceOff, GracefulShutdown -> Off; PushPowerButton toggles;
 * a ResetType the system does not list -> 400 with a Redfish error body). Every resource but the
 * service root, $metadata and odata needs HTTP Basic with the configured user and password.
 * Checked with real clients (python3-sushy, curl) in {@link RedfishEmulatorTest}.
 */
final class RedfishEmulator implements AutoCloseable {
    static final String SYSTEM = "/redfish/v1/Systems/437XR1138R2";
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern RESET = Pattern.compile("^/redfish/v1/Systems/([^/]+)/Actions/ComputerSystem\\.Reset/?$");
    private static final Set<String> ON = Set.of("On", "ForceOn", "ForceRestart", "GracefulRestart", "PowerCycle", "Nmi");
    private static final Set<String> OFF = Set.of("ForceOff", "GracefulShutdown");
    private static final Set<String> OPEN = Set.of("/redfish", "/redfish/v1", "/redfish/v1/$metadata", "/redfish/v1/odata");

    private final Path tree;
    private final String authorization;
    private final HttpServer server;
    private final ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
    private final Map<String, ObjectNode> patched = new ConcurrentHashMap<>();
    private final List<String> resets = new CopyOnWriteArrayList<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();

    private RedfishEmulator(HttpServer server, String user, String password) {
        this.tree = mockupTree();
        this.authorization = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        this.server = server;
        server.createContext("/", this::handle);
        server.setExecutor(pool);
        server.start();
    }

    static RedfishEmulator http(String user, String password) throws IOException {
        return new RedfishEmulator(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0), user, password);
    }

    /** HTTPS with the self-signed key and certificate of {@code cert}. */
    static RedfishEmulator https(String user, String password, TestCertificate cert) throws Exception {
        SSLContext ctx = cert.serverContext();
        HttpsServer s = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.setHttpsConfigurator(new HttpsConfigurator(ctx));
        return new RedfishEmulator(s, user, password);
    }

    String url() {
        return (server instanceof HttpsServer ? "https" : "http") + "://127.0.0.1:" + server.getAddress().getPort();
    }

    /** ResetType values accepted so far, in order. */
    List<String> resets() {
        return List.copyOf(resets);
    }

    /** "METHOD path" of each request, in order (to check what a client sent). */
    List<String> requests() {
        return List.copyOf(requests);
    }

    String powerState() {
        return resource(SYSTEM).path("PowerState").asString();
    }

    void powerState(String state) {
        ObjectNode s = resource(SYSTEM).deepCopy();
        s.put("PowerState", state);
        patched.put(SYSTEM, s);
    }

    /** Replaces the system's inline ResetType@Redfish.AllowableValues (null removes the list). */
    void allowResetTypes(List<String> types) {
        ObjectNode s = resource(SYSTEM).deepCopy();
        ObjectNode action = (ObjectNode) s.path("Actions").path("#ComputerSystem.Reset");
        if (types == null) action.remove("ResetType@Redfish.AllowableValues");
        else action.putArray("ResetType@Redfish.AllowableValues").addAll(types.stream().map(JSON.getNodeFactory()::stringNode).toList());
        patched.put(SYSTEM, s);
    }

    /** Adds another ComputerSystem to the Systems collection (for discovery tests). */
    void addSystem(String id) {
        ObjectNode c = resource("/redfish/v1/Systems").deepCopy();
        c.withArray("Members").addObject().put("@odata.id", "/redfish/v1/Systems/" + id);
        c.put("Members@odata.count", c.withArray("Members").size());
        patched.put("/redfish/v1/Systems", c);
        ObjectNode s = resource(SYSTEM).deepCopy();
        s.put("Id", id).put("@odata.id", "/redfish/v1/Systems/" + id);
        ((ObjectNode) s.path("Actions").path("#ComputerSystem.Reset")).put("target", "/redfish/v1/Systems/" + id + "/Actions/ComputerSystem.Reset");
        patched.put("/redfish/v1/Systems/" + id, s);
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            String path = x.getRequestURI().getRawPath();
            if (path.length() > 1 && path.endsWith("/")) path = path.substring(0, path.length() - 1);
            requests.add(x.getRequestMethod() + " " + path);
            byte[] in = x.getRequestBody().readAllBytes();
            if (!OPEN.contains(path) && !authorization.equals(x.getRequestHeaders().getFirst("Authorization"))) {
                x.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"RedfishEmulator\"");
                error(x, 401, "Base.1.15.ResourceAtUriUnauthorized",
                        "While accessing the resource at " + path + ", the service received an authorization error 'Unauthorized'.");
                return;
            }
            switch (x.getRequestMethod()) {
                case "GET", "HEAD" -> get(x, path);
                case "POST" -> post(x, path, in);
                default -> error(x, 405, "Base.1.15.OperationNotAllowed", "The HTTP method is not allowed on this resource.");
            }
        } catch (RuntimeException e) {
            error(x, 500, "Base.1.15.InternalError", "The request failed due to an internal service error: " + e);
        }
    }

    private void get(HttpExchange x, String path) throws IOException {
        if (path.equals("/redfish")) {
            send(x, 200, "application/json", "{\"v1\":\"/redfish/v1/\"}".getBytes(StandardCharsets.UTF_8));
            return;
        }
        if (path.equals("/redfish/v1/$metadata")) {
            send(x, 200, "application/xml", Files.readAllBytes(tree.resolve("$metadata/index.xml")));
            return;
        }
        JsonNode r = resourceOrNull(path);
        if (r == null) {
            error(x, 404, "Base.1.15.ResourceMissingAtURI", "The resource at the URI " + path + " was not found.");
            return;
        }
        send(x, 200, "application/json", JSON.writeValueAsBytes(r));
    }

    private void post(HttpExchange x, String path, byte[] in) throws IOException {
        Matcher m = RESET.matcher(path);
        if (!m.matches() || resourceOrNull("/redfish/v1/Systems/" + m.group(1)) == null) {
            error(x, 405, "Base.1.15.OperationNotAllowed", "The HTTP method is not allowed on this resource.");
            return;
        }
        String sysPath = "/redfish/v1/Systems/" + m.group(1);
        JsonNode body;
        try {
            body = JSON.readTree(in);
        } catch (RuntimeException e) {
            error(x, 400, "Base.1.15.MalformedJSON", "The request body submitted was malformed JSON and could not be parsed by the receiving service.");
            return;
        }
        ObjectNode sys = resource(sysPath).deepCopy();
        List<String> allowed = new ArrayList<>();
        sys.path("Actions").path("#ComputerSystem.Reset").path("ResetType@Redfish.AllowableValues").values().forEach(v -> allowed.add(v.asString()));
        String type = body == null ? "" : body.path("ResetType").asString("");
        if (!allowed.contains(type)) {
            error(x, 400, "Base.1.15.ActionParameterValueNotInList", "The value '" + type
                    + "' for the parameter ResetType in the action ComputerSystem.Reset is not in the list of acceptable values.");
            return;
        }
        String old = sys.path("PowerState").asString();
        String now = type.equals("PushPowerButton") ? (old.equals("On") ? "Off" : "On")
                : ON.contains(type) ? "On" : OFF.contains(type) ? "Off" : old;
        sys.put("PowerState", now);
        patched.put(sysPath, sys);
        resets.add(type);
        send(x, 204, null, new byte[0]);
    }

    private ObjectNode resource(String path) {
        JsonNode r = resourceOrNull(path);
        if (r == null) throw new IllegalArgumentException("no resource " + path);
        return (ObjectNode) r;
    }

    private JsonNode resourceOrNull(String path) {
        ObjectNode p = patched.get(path);
        if (p != null) return p;
        if (!path.startsWith("/redfish/v1")) return null;
        String rel = path.substring("/redfish/v1".length()).replaceFirst("^/", "");
        if (rel.contains("..")) return null;
        Path f = tree.resolve(rel).resolve("index.json");
        if (!Files.isRegularFile(f)) return null;
        try {
            return JSON.readTree(Files.readAllBytes(f));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void error(HttpExchange x, int code, String id, String message) throws IOException {
        ObjectNode e = JSON.createObjectNode();
        ObjectNode err = e.putObject("error");
        err.put("code", id).put("message", "See @Message.ExtendedInfo for more information.");
        err.putArray("@Message.ExtendedInfo").addObject()
                .put("@odata.type", "#Message.v1_1_1.Message").put("MessageId", id).put("Message", message).put("Severity", "Critical");
        send(x, code, "application/json", JSON.writeValueAsBytes(e));
    }

    private static void send(HttpExchange x, int code, String type, byte[] body) throws IOException {
        if (type != null) x.getResponseHeaders().add("Content-Type", type + (type.endsWith("json") ? ";charset=utf-8" : ""));
        x.getResponseHeaders().add("OData-Version", "4.0");
        // The JDK server closes after a "Connection: close" request without saying so; Python's
        // http.client then pools the dead connection and its next request fails. Say it.
        if ("close".equalsIgnoreCase(x.getRequestHeaders().getFirst("Connection"))) x.getResponseHeaders().set("Connection", "close");
        boolean head = x.getRequestMethod().equals("HEAD");
        x.sendResponseHeaders(code, body.length == 0 || head ? -1 : body.length);
        if (!head && body.length > 0) x.getResponseBody().write(body);
    }

    private static Path mockupTree() {
        try {
            return Path.of(RedfishEmulator.class.getResource("/redfish-mockup/public-rackmount1/index.json").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
