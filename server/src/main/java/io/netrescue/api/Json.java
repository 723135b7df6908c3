package io.netrescue.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.netrescue.boot.BootState;
import io.netrescue.boot.Profile;
import io.netrescue.boot.Host;
import io.netrescue.inventory.IpAddresses;
import io.netrescue.store.Event;
import io.netrescue.store.EventStore;
import java.util.List;
import java.util.Map;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.exc.InvalidNullException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.type.LogicalType;

/** The API's JSON shapes, shared by the server and the CLI; plain values so any client can use them. */
public final class Json {
    /**
     * Strict on input: a field of the wrong JSON type is refused, not coerced ({@code "password":1} is not
     * true, {@code "for":5} not "5", {@code "pause":"5"} not 5, no fractions for whole numbers); a field given
     * twice, an unknown field, a {@code null} in a list or object, and anything after the value are refused.
     */
    public static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .withCoercionConfig(LogicalType.Textual, c -> c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail).setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .withCoercionConfig(LogicalType.Integer, c -> c.setCoercion(CoercionInputShape.Float, CoercionAction.Fail))
            .withConfigOverride(List.class, o -> o.setNullHandling(JsonSetter.Value.forContentNulls(Nulls.FAIL)))
            .withConfigOverride(Map.class, o -> o.setNullHandling(JsonSetter.Value.forContentNulls(Nulls.FAIL)))
            .changeDefaultPropertyInclusion(v -> v.withValueInclusion(JsonInclude.Include.NON_NULL))
            .build();

    private Json() {}

    /**
     * What is wrong with a request body, in the words of its JSON (the field, as {@code sshKeys[2]} or
     * {@code labels.rack}, and the JSON type it needs), never Java class names.
     */
    public static String problem(JacksonException e) {
        String field = field(e.getPath());
        return switch (e) {
            case UnrecognizedPropertyException u -> "unknown field \"" + field + "\"" + (u.getKnownPropertyIds() == null ? ""
                    : " (known: " + String.join(", ", u.getKnownPropertyIds().stream().map(String::valueOf).sorted().toList()) + ")");
            case InvalidNullException n -> "\"" + field + "\" must not contain null";
            case MismatchedInputException m when field.isEmpty() -> m.getOriginalMessage() != null && m.getOriginalMessage().startsWith("Trailing token")
                    ? "malformed JSON: something follows the JSON value" : "the request body must be a JSON object";
            case MismatchedInputException m -> "\"" + field + "\" must be " + kind(m.getTargetType());
            case StreamReadException r -> {
                String msg = r.getOriginalMessage() == null ? "" : r.getOriginalMessage();
                var dup = java.util.regex.Pattern.compile("Duplicate Object property \"(.*)\"").matcher(msg);
                yield dup.find() ? "field \"" + (field.isEmpty() ? "" : field + ".") + dup.group(1) + "\" is given twice"
                        : "malformed JSON: " + msg.replaceAll("\\s+at \\[Source.*", "");
            }
            default -> "malformed JSON" + (field.isEmpty() ? "" : " at \"" + field + "\"");
        };
    }

    private static String field(List<JacksonException.Reference> path) {
        StringBuilder b = new StringBuilder();
        for (JacksonException.Reference r : path == null ? List.<JacksonException.Reference>of() : path) {
            if (r.getPropertyName() != null) b.append(b.isEmpty() ? "" : ".").append(r.getPropertyName());
            else if (r.getIndex() >= 0) b.append('[').append(r.getIndex()).append(']');
        }
        return b.toString();
    }

    private static String kind(Class<?> t) {
        if (t == null) return "of another JSON type";
        if (t == Boolean.class || t == boolean.class) return "true or false";
        if (CharSequence.class.isAssignableFrom(t) || t.isEnum()) return "a string";
        if (t == Integer.class || t == int.class || t == Long.class || t == long.class || t == Short.class || t == short.class) return "a whole number";
        if (Number.class.isAssignableFrom(t) || t.isPrimitive()) return "a number";
        if (java.util.Collection.class.isAssignableFrom(t) || t.isArray()) return "a list";
        return "an object";
    }

    /** A field that may be left out but, when given, must say something: {@code "for":""} is not the default. */
    public static String optional(String value, String field) {
        if (value != null && value.isBlank()) {
            throw new io.netrescue.inventory.InvalidInputException("\"" + field + "\" must not be empty (leave it out for the default)");
        }
        return value;
    }

    public record HostJson(String name, List<String> macs, String uuid, List<String> ips, Map<String, String> labels,
                           BootJson boot, Long version) {
        public static HostJson of(Host h) {
            return new HostJson(h.name(), h.macs().stream().map(Object::toString).toList(),
                    h.uuid().map(Object::toString).orElse(null), h.expectedIps().stream().map(IpAddresses::format).toList(),
                    h.labels(), BootJson.of(h.boot()), h.version());
        }
    }

    public record BootJson(String mode, String profile, String expiresAt, BootJson then) {
        public static BootJson of(BootState s) {
            return new BootJson(s.mode().kind(), s.mode().profileName().orElse(null),
                    s.expiresAt().map(Object::toString).orElse(null), s.previous().map(BootJson::of).orElse(null));
        }
    }

    /** A request to change a host's mode; {@code for} is a duration such as {@code 2h}. */
    public record BootChange(String mode, String profile, @com.fasterxml.jackson.annotation.JsonProperty("for") String forDuration) {}

    public record ProfileJson(String name, String kernel, List<String> initrds, String cmdline, Boolean replace) {
        public static ProfileJson of(Profile p) {
            return new ProfileJson(p.name(), p.kernel(), p.initrds(), p.cmdline(), null);
        }

        public Profile toProfile() {
            return new Profile(name, kernel, initrds == null ? List.of() : initrds, cmdline);
        }
    }

    public record EventJson(long id, String at, String host, String kind, String actor, String mac, String reportedIp,
                            String sourceIp, String decision, String reason) {
        public static EventJson of(Event e) {
            return new EventJson(e.id(), e.at().toString(), e.host().orElse(null), e.kind(), e.actor(),
                    e.mac().map(String::strip).orElse(null), e.reportedIp().orElse(null), e.sourceIp().orElse(null),
                    e.decision().orElse(null), e.reason().orElse(null));
        }
    }

    public record DiscoveredJson(String mac, String uuid, String lastIp, String arch, String firstSeen, String lastSeen, long requests) {
        public static DiscoveredJson of(EventStore.Discovered d) {
            return new DiscoveredJson(d.mac(), d.uuid().orElse(null), d.lastIp().orElse(null), d.arch().orElse(null),
                    d.firstSeen().toString(), d.lastSeen().toString(), d.requests());
        }
    }

    public record NewHostJson(String name, List<String> macs, String uuid, List<String> ips, Map<String, String> labels) {}

    public record ErrorJson(String error) {}

    /** SysRq settings. {@code password} is write-only: the API answers with {@code passwordSet} instead. */
    public record SysrqConfigJson(String dialect, String address, Integer agentPort, Integer xtPort, String hashAddress, String hash,
                                  String password, Boolean passwordSet, String allowedKeys, String warning) {}

    /** A SysRq request: keys such as "sub"; via "agent" or "xt" (default: the host's dialect); confirm e.g. "5m". */
    public record SysrqRequestJson(String keys, String via, Integer pause, String confirm) {}

    /** @param next the offset to ask for with {@code after=} to follow the log */
    public record ConsoleJson(String host, java.util.List<String> lines, long next) {}

    /** A host's liveness and ladder, as {@code netrescue watchdog} shows it. */
    public record HealthJson(String host, String state, String since, String reason, String lastSeen, String via, String bootId,
                             String kernel, Long uptimeSeconds, Double phi, Boolean maintenance, String silencedUntil,
                             String silenceReason, String policy, String ladderStep, Integer ladderAttempt, Boolean ladderPaused,
                             String held, String xtSysrq) {
        public static HealthJson of(io.netrescue.watchdog.server.Watchdog.HealthView v) {
            return new HealthJson(v.host(), v.state().word(), v.since().toString(), v.reason(), v.lastSeen().map(Object::toString).orElse(null),
                    v.via().isEmpty() ? null : v.via(), v.bootId().orElse(null), v.kernel().orElse(null), v.uptimeSeconds().orElse(null),
                    Math.round(v.phi() * 10) / 10.0, v.maintenance(), v.silencedUntil().map(Object::toString).orElse(null),
                    v.silenceReason().isEmpty() ? null : v.silenceReason(), v.policy(), v.ladderStep().orElse(null),
                    v.ladderAttempt().orElse(null), v.ladderPaused() ? true : null, v.held().isEmpty() ? null : v.held(),
                    v.xtSysrq().orElse(null));
        }
    }

    /**
     * An operator's change to a host's watchdog: {@code maintenance} on/off, a {@code silence} such as
     * {@code 2h} ({@code 0} lifts it), or a {@code ladder} override (start, pause, resume, skip, abort).
     */
    public record WatchdogChange(Boolean maintenance, String silence, String ladder, String reason) {}

    /** A host's power driver: settings as given, the secret in only (never shown; {@code secretSet} says whether there is one). */
    public record PowerDriverJson(String kind, Integer pos, Map<String, String> settings, String secret, Boolean secretSet, String timeout,
                                  List<String> supports, String describe) {}

    public record PowerRequestJson(String action, String driver) {}

    /** {@code netrescue kernel try}: a boot-once test kernel with a deadline. */
    public record KernelTryJson(String profile, String deadline, Boolean reboot, Boolean kexec) {}

    public record KernelTrialJson(long id, String host, String profile, String startedAt, String deadline, String state, String detail,
                                  boolean kexec) {
        public static KernelTrialJson of(io.netrescue.boot.KernelTrial t) {
            return new KernelTrialJson(t.id(), t.host(), t.profile(), t.startedAt().toString(), t.deadline().toString(), t.state().word(),
                    t.detail().isEmpty() ? null : t.detail(), t.kexec());
        }
    }

    /**
     * POST /hosts/NAME/rescue: the credentials of one activation ({@code sshKeys} lines and/or a one-time
     * password; the host's registered keys come along), and how to reboot it there ({@code power|sysrq|none}).
     */
    public record RescueRequestJson(java.util.List<String> sshKeys, Boolean password, @com.fasterxml.jackson.annotation.JsonProperty("for") String forDuration,
                                    String reboot) {}

    /** Ending an activation ({@code POST .../rescue/end}): {@code reboot} power, sysrq or none (the default). */
    public record RescueEndJson(String reboot) {}

    /** The reboot into a new activation (or out of an ended one): {@code how} power or sysrq, {@code result} ok or failed (the activation stands either way). */
    public record RebootJson(String how, String result, String detail) {}

    /** An activation as the API shows it; {@code password} only in the answer to the activation itself. */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    public record RescueJson(long id, String host, String state, String activatedAt, String expiresAt, java.util.List<String> sshKeys,
                             boolean passwordIssued, java.util.List<String> hostKeys, String readyAt, String endedAt, String endReason,
                             String password, RebootJson reboot) {
        public static RescueJson of(io.netrescue.rescue.RescueActivation a, java.util.Optional<String> password) {
            return of(a, password, null);
        }

        public static RescueJson of(io.netrescue.rescue.server.RescueService.Ended x) {
            return of(x.activation(), java.util.Optional.empty(), x.rebooted().map(o -> new RebootJson(x.reboot().word(), o.ok() ? "ok" : "failed", o.detail())).orElse(null));
        }

        public static RescueJson of(io.netrescue.rescue.server.RescueService.Activated x) {
            return of(x.activation(), x.password(), x.rebooted().map(o -> new RebootJson(x.reboot().word(), o.ok() ? "ok" : "failed", o.detail())).orElse(null));
        }

        private static RescueJson of(io.netrescue.rescue.RescueActivation a, java.util.Optional<String> password, RebootJson reboot) {
            return new RescueJson(a.id(), a.host(), a.state().word(), a.activatedAt().toString(), a.expiresAt().toString(),
                    a.sshKeys().stream().map(k -> k.type() + " " + k.fingerprint() + (k.comment().isEmpty() ? "" : " " + k.comment())).toList(),
                    a.password(), a.hostKeys().stream().map(k -> k.type() + " " + k.fingerprint()).toList(),
                    a.readyAt().map(Object::toString).orElse(null), a.endedAt().map(Object::toString).orElse(null),
                    a.endReason().isEmpty() ? null : a.endReason(), password.orElse(null), reboot);
        }
    }

    public record KnownHostsJson(String host, String knownHosts) {}

    /** A registered SSH key of a host; {@code key} is the whole public key line. */
    public record SshKeyJson(String fingerprint, String type, String comment, String key, String addedAt, String addedBy) {
        public static SshKeyJson of(io.netrescue.rescue.server.SshKeyStore.Registered r) {
            var k = r.key();
            return new SshKeyJson(k.fingerprint(), k.type(), k.comment().isEmpty() ? null : k.comment(), k.line(), r.addedAt().toString(), r.addedBy());
        }
    }

    /** POST /hosts/NAME/ssh-keys: public key lines, registered all or none. */
    public record SshKeysRequestJson(java.util.List<String> keys) {}

    /** The answer to POST /hosts/NAME/ssh-keys: the keys it registered and those that already were. */
    public record SshKeysAddedJson(String host, java.util.List<SshKeyJson> added, java.util.List<SshKeyJson> unchanged) {}
}
