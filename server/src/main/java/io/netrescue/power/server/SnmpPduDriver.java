package io.netrescue.power.server;

import io.netrescue.inventory.InvalidInputException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snmp4j.CommunityTarget;
import org.snmp4j.MessageDispatcherImpl;
import org.snmp4j.PDU;
import org.snmp4j.ScopedPDU;
import org.snmp4j.Snmp;
import org.snmp4j.Target;
import org.snmp4j.UserTarget;
import org.snmp4j.event.ResponseEvent;
import org.snmp4j.mp.MPv2c;
import org.snmp4j.mp.MPv3;
import org.snmp4j.mp.SnmpConstants;
import org.snmp4j.security.AuthHMAC192SHA256;
import org.snmp4j.security.AuthSHA;
import org.snmp4j.security.PrivAES128;
import org.snmp4j.security.SecurityLevel;
import org.snmp4j.security.SecurityModel;
import org.snmp4j.security.SecurityProtocols;
import org.snmp4j.security.USM;
import org.snmp4j.security.UsmUser;
import org.snmp4j.smi.Integer32;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;
import org.snmp4j.smi.SMIConstants;
import org.snmp4j.smi.UdpAddress;
import org.snmp4j.smi.VariableBinding;
import org.snmp4j.transport.DefaultUdpTransportMapping;

/**
 * One outlet of a switched PDU over SNMP (v2c or v3 authPriv) with SNMP4J. status reads the outlet's
 * control object, on/off/cycle write it. Each call opens its own UDP session and closes it; SNMP4J's
 * own retries are 0 because the caller retries.
 */
public final class SnmpPduDriver implements PowerDriver {
    private static final Logger log = LoggerFactory.getLogger(SnmpPduDriver.class);
    static final Set<String> SETTINGS = Set.of("address", "port", "version", "outlet", "model", "oid", "on-value", "off-value",
            "cycle-value", "cycle-delay", "status-on", "status-off", "community-read", "user", "auth-protocol", "priv-protocol", "context");
    private static final Set<String> GENERIC_ONLY = Set.of("oid", "on-value", "off-value", "cycle-value", "status-on", "status-off");
    private static final Pattern ADDRESS = Pattern.compile("[A-Za-z0-9._:-]+");
    private static final Map<OID, String> USM_REPORTS = Map.of(
            SnmpConstants.usmStatsUnsupportedSecLevels, "the user is not configured for authPriv",
            SnmpConstants.usmStatsNotInTimeWindows, "not in the engine's time window",
            SnmpConstants.usmStatsUnknownUserNames, "unknown user",
            SnmpConstants.usmStatsUnknownEngineIDs, "unknown engine ID",
            SnmpConstants.usmStatsWrongDigests, "authentication failed (wrong auth passphrase or auth-protocol)",
            SnmpConstants.usmStatsDecryptionErrors, "decryption failed (wrong privacy passphrase)");

    static {
        SecurityProtocols p = SecurityProtocols.getInstance();
        p.addAuthenticationProtocol(new AuthSHA());
        p.addAuthenticationProtocol(new AuthHMAC192SHA256());
        p.addPrivacyProtocol(new PrivAES128());
    }

    private final String address;
    private final int port;
    private final int outlet;
    private final SnmpOutletModel model;
    private final SnmpCredentials credentials;
    private final Duration cycleDelay;
    private final Duration timeout;

    private SnmpPduDriver(String address, int port, int outlet, SnmpOutletModel model, SnmpCredentials credentials,
                          Duration cycleDelay, Duration timeout) {
        this.address = address;
        this.port = port;
        this.outlet = outlet;
        this.model = model;
        this.credentials = credentials;
        this.cycleDelay = cycleDelay;
        this.timeout = timeout;
    }

    /**
     * Settings: {@code address}, {@code port} (161), {@code version} (2c | 3), {@code outlet},
     * {@code model} (apc | generic with {@code oid}, {@code on-value}, {@code off-value},
     * {@code cycle-value}, {@code status-on}, {@code status-off}), {@code cycle-delay} (seconds, 5);
     * v2c: {@code community-read} (public), secret = write community; v3: {@code user},
     * {@code auth-protocol} (SHA-256 | SHA), {@code priv-protocol} (AES-128), {@code context} (""),
     * secret = auth passphrase and privacy passphrase on two lines.
     */
    public static SnmpPduDriver from(PowerSettings s) {
        s.onlyKnown(SETTINGS);
        String where = "snmp power for " + s.host();
        String address = s.required("address");
        if (!ADDRESS.matcher(address).matches()) throw new InvalidInputException(where + ": 'address' must be a host name or IP address, not '" + address + "'");
        int port = s.integer("port", 161, 1, 65535);
        s.required("outlet");
        int outlet = s.integer("outlet", 0, 1, 65535);
        String modelName = s.optional("model", "apc");
        SnmpOutletModel model = switch (modelName) {
            case "apc" -> {
                for (String k : GENERIC_ONLY) {
                    if (s.settings().containsKey(k)) throw new InvalidInputException(where + ": '" + k + "' is only for model=generic");
                }
                yield SnmpOutletModel.apc();
            }
            case "generic" -> SnmpOutletModel.generic(s, where);
            default -> throw new InvalidInputException(where + ": 'model' must be apc or generic, not '" + modelName + "'");
        };
        int cycleDelay = s.integer("cycle-delay", 5, 0, 600);
        SnmpCredentials credentials = SnmpCredentials.parse(s, s.optional("version", "2c"), where);
        return new SnmpPduDriver(address, port, outlet, model, credentials, Duration.ofSeconds(cycleDelay), s.timeout());
    }

    @Override
    public String kind() {
        return "snmp";
    }

    @Override
    public Set<PowerAction> supports() {
        return EnumSet.of(PowerAction.STATUS, PowerAction.ON, PowerAction.OFF, PowerAction.CYCLE);
    }

    @Override
    public String describe() {
        return "snmp " + address + ":" + port + " outlet " + outlet + " (" + model.name() + ", " + credentials.describe() + ")";
    }

    @Override
    public PowerState status() throws PowerException {
        int value = exchange(PDU.GET, new VariableBinding(model.oid(outlet)), false);
        PowerState state = model.state(value);
        log.atDebug().addKeyValue("pdu", address + ":" + port).addKeyValue("outlet", outlet).addKeyValue("value", value)
                .addKeyValue("state", state).log("snmp outlet status");
        return state;
    }

    @Override
    public String perform(PowerAction action) throws PowerException {
        return switch (action) {
            case STATUS -> "outlet " + outlet + " is " + status().name().toLowerCase(java.util.Locale.ROOT);
            case ON -> write(model.on(), "on");
            case OFF -> write(model.off(), "off");
            case CYCLE -> {
                if (model.cycle().isPresent()) yield write(model.cycle().get(), "reboot");
                write(model.off(), "off");
                try {
                    Thread.sleep(cycleDelay);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new PowerException(where() + ": interrupted between off and on; outlet " + outlet + " may be left off", false, e);
                }
                write(model.on(), "on");
                yield "outlet " + outlet + " off, " + cycleDelay.toSeconds() + " s, on at " + address + ":" + port;
            }
            case SOFT_RESET -> throw new PowerException(where() + ": a PDU outlet has no soft reset", false);
        };
    }

    private String write(int value, String what) throws PowerException {
        OID oid = model.oid(outlet);
        exchange(PDU.SET, new VariableBinding(oid, new Integer32(value)), true);
        log.atInfo().addKeyValue("pdu", address + ":" + port).addKeyValue("outlet", outlet).addKeyValue("oid", oid)
                .addKeyValue("value", value).log("snmp outlet " + what + " accepted");
        return "outlet " + outlet + " " + what + " (" + oid + " = " + value + ") accepted by " + address + ":" + port;
    }

    private String where() {
        return "snmp " + address + ":" + port + " outlet " + outlet;
    }

    /** One request, one answer (or none): returns the INTEGER value of the single varbind in the answer. */
    private int exchange(int type, VariableBinding vb, boolean write) throws PowerException {
        long deadline = System.nanoTime() + timeout.toNanos();
        UdpAddress target;
        try {
            target = new UdpAddress(InetAddress.getByName(address), port);
        } catch (UnknownHostException e) {
            throw new PowerException(where() + ": cannot resolve '" + address + "'", true, e);
        }
        String op = (type == PDU.SET ? "SET " : "GET ") + vb.getOid();
        MessageDispatcherImpl dispatcher = new MessageDispatcherImpl();
        Snmp snmp = null;
        try {
            snmp = new Snmp(dispatcher, new DefaultUdpTransportMapping());
            Target<UdpAddress> t;
            PDU pdu;
            switch (credentials) {
                case SnmpCredentials.V2c c -> {
                    dispatcher.addMessageProcessingModel(new MPv2c());
                    snmp.listen();
                    CommunityTarget<UdpAddress> ct = new CommunityTarget<>(target, new OctetString(write ? c.writeCommunity() : c.readCommunity()));
                    ct.setVersion(SnmpConstants.version2c);
                    t = ct;
                    pdu = new PDU();
                }
                case SnmpCredentials.V3 c -> {
                    USM usm = new USM(SecurityProtocols.getInstance(), new OctetString(MPv3.createLocalEngineID()), 0);
                    dispatcher.addMessageProcessingModel(new MPv3(usm));
                    snmp.listen();
                    byte[] engine = snmp.discoverAuthoritativeEngineID(target, Math.max(1, left(deadline).toMillis()));
                    if (engine == null || engine.length == 0) {
                        throw new PowerException(where() + ": " + op + ": no SNMPv3 engine answered within " + timeout.toMillis() + " ms", true);
                    }
                    OctetString user = new OctetString(c.user());
                    usm.addUser(user, new OctetString(engine), new UsmUser(user, c.authProtocol(), new OctetString(c.authPass()),
                            PrivAES128.ID, new OctetString(c.privPass())));
                    UserTarget<UdpAddress> ut = new UserTarget<>(target, user, engine, SecurityLevel.AUTH_PRIV);
                    ut.setSecurityModel(SecurityModel.SECURITY_MODEL_USM);
                    ut.setVersion(SnmpConstants.version3);
                    t = ut;
                    ScopedPDU sp = new ScopedPDU();
                    sp.setContextName(new OctetString(c.context()));
                    pdu = sp;
                }
            }
            t.setRetries(0); // the caller retries
            t.setTimeout(Math.max(1, left(deadline).toMillis()));
            pdu.setType(type);
            pdu.add(vb);
            ResponseEvent<UdpAddress> ev = snmp.send(pdu, t);
            return answer(op, ev);
        } catch (IOException e) {
            throw new PowerException(where() + ": " + op + " failed: " + e.getMessage(), true, e);
        } finally {
            if (snmp != null) {
                try {
                    snmp.close();
                } catch (IOException e) {
                    log.atDebug().addKeyValue("error", e.toString()).log("snmp session close failed");
                }
            }
        }
    }

    private int answer(String op, ResponseEvent<UdpAddress> ev) throws PowerException {
        if (ev == null || ev.getError() != null) {
            Exception e = ev == null ? null : ev.getError();
            throw new PowerException(where() + ": " + op + " failed: " + (e == null ? "no event" : e.getMessage()), true, e);
        }
        PDU r = ev.getResponse();
        if (r == null) {
            String hint = credentials instanceof SnmpCredentials.V2c
                    ? "a wrong community gets no answer either: check community-read / the secret, address and port"
                    : "a wrong privacy passphrase, user or context gets no answer either";
            throw new PowerException(where() + ": " + op + ": no answer within " + timeout.toMillis() + " ms (" + hint + ")", true);
        }
        if (r.getType() == PDU.REPORT) {
            OID report = r.size() > 0 ? r.get(0).getOid() : new OID();
            String said = USM_REPORTS.entrySet().stream().filter(e -> report.startsWith(e.getKey())).map(Map.Entry::getValue)
                    .findFirst().orElse("report " + report);
            boolean retry = report.startsWith(SnmpConstants.usmStatsNotInTimeWindows) || report.startsWith(SnmpConstants.usmStatsUnknownEngineIDs);
            throw new PowerException(where() + ": " + op + ": SNMPv3 " + said + " (" + credentials.describe() + ")", retry);
        }
        int status = r.getErrorStatus();
        if (status != PDU.noError) {
            throw new PowerException(where() + ": " + op + ": the PDU answered " + errorName(status) + hint(status),
                    status == PDU.genErr || status == PDU.resourceUnavailable);
        }
        if (r.size() != 1) throw new PowerException(where() + ": " + op + ": answer has " + r.size() + " values, expected 1", false);
        VariableBinding vb = r.get(0);
        if (vb.isException()) {
            String what = switch (vb.getVariable().getSyntax()) {
                case SMIConstants.EXCEPTION_NO_SUCH_OBJECT -> "noSuchObject";
                case SMIConstants.EXCEPTION_NO_SUCH_INSTANCE -> "noSuchInstance";
                default -> "endOfMibView";
            };
            throw new PowerException(where() + ": " + op + ": " + what + " (no such outlet on this PDU? check outlet and model)", false);
        }
        if (!(vb.getVariable() instanceof Integer32 i)) {
            throw new PowerException(where() + ": " + op + ": answer is " + vb.getVariable().getSyntaxString() + ", not INTEGER (check model/oid)", false);
        }
        return i.getValue();
    }

    private static final List<String> ERRORS = List.of("noError", "tooBig", "noSuchName", "badValue", "readOnly", "genErr",
            "noAccess", "wrongType", "wrongLength", "wrongEncoding", "wrongValue", "noCreation", "inconsistentValue",
            "resourceUnavailable", "commitFailed", "undoFailed", "authorizationError", "notWritable", "inconsistentName");

    /** RFC 3416 error-status names, as MIB and PDU documentation spell them. */
    static String errorName(int status) {
        return status >= 0 && status < ERRORS.size() ? ERRORS.get(status) : "error-status " + status;
    }

    private static String hint(int status) {
        return switch (status) {
            case PDU.noSuchName, PDU.notWritable, PDU.noAccess, PDU.authorizationError, PDU.readOnly ->
                    " (the write community or v3 user may lack write access, or the OID does not exist: check the secret, outlet and model)";
            case PDU.wrongValue, PDU.badValue, PDU.wrongType, PDU.inconsistentValue ->
                    " (the PDU does not accept this value: check model or on-value/off-value/cycle-value)";
            default -> "";
        };
    }

    private static Duration left(long deadline) throws PowerException {
        long n = deadline - System.nanoTime();
        if (n <= 0) throw new PowerException("snmp: no time left for the request", true);
        return Duration.ofNanos(n);
    }
}
