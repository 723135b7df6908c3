package io.netrescue.agent;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * {@code mlockall(MCL_CURRENT | MCL_FUTURE)} through the Foreign Function & Memory API, so the
 * agent's pages are never swapped out while the host thrashes. Best effort: without
 * CAP_IPC_LOCK or a high enough RLIMIT_MEMLOCK it fails, and the agent says so and carries on.
 */
final class MemoryLock {
    private static final int MCL_CURRENT = 1, MCL_FUTURE = 2;

    private MemoryLock() {}

    /** Returns null on success, else why it failed. */
    static String lockAll() {
        try {
            Linker linker = Linker.nativeLinker();
            StructLayout state = Linker.Option.captureStateLayout();
            VarHandle errno = state.varHandle(MemoryLayout.PathElement.groupElement("errno"));
            MethodHandle mlockall = linker.downcallHandle(linker.defaultLookup().find("mlockall").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), Linker.Option.captureCallState("errno"));
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment st = arena.allocate(state);
                int rc = (int) mlockall.invokeExact(st, MCL_CURRENT | MCL_FUTURE);
                if (rc == 0) return null;
                int e = (int) errno.get(st, 0L);
                return "mlockall failed, errno " + e + (e == 12 ? " (ENOMEM: raise LimitMEMLOCK)" : e == 1 ? " (EPERM: needs CAP_IPC_LOCK)" : "");
            }
        } catch (Throwable t) {
            return "mlockall unavailable: " + t;
        }
    }
}
