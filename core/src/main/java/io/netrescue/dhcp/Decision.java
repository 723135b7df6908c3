package io.netrescue.dhcp;

import java.util.List;

/** What a responder wants done with one request. */
public sealed interface Decision {
    /** Send {@code packet}; first make {@code durable} lease changes durable (full mode's ACK rule). */
    record Reply(DhcpPacket packet, List<Lease> durable) implements Decision {
        public Reply {
            durable = List.copyOf(durable);
        }

        public Reply(DhcpPacket packet) {
            this(packet, List.of());
        }
    }

    /** No answer (RELEASE, DECLINE, or nothing to say); lease changes may still need storing. */
    record Silent(String reason, boolean notable, List<Lease> durable) implements Decision {
        public Silent {
            durable = List.copyOf(durable);
        }

        public Silent(String reason) {
            this(reason, false, List.of());
        }
    }
}
