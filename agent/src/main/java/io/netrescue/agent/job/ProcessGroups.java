package io.netrescue.agent.job;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Signals to a whole process group and the members of a session, which {@link ProcessHandle} cannot
 * do: libc {@code kill(-pgid, sig)} through the Foreign Function & Memory API, and a scan of
 * {@code /proc/PID/stat} for a session's members (those that left the job's process group with
 * {@code setpgid} but stayed in its session).
 */
final class ProcessGroups {
    static final int SIGKILL = 9, SIGTERM = 15;
    private static final MethodHandle KILL;

    static {
        Linker linker = Linker.nativeLinker();
        KILL = linker.downcallHandle(linker.defaultLookup().find("kill").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    }

    private ProcessGroups() {}

    /** {@code kill(-pgid, signal)}; true if the group had a member to signal. */
    static boolean signalGroup(long pgid, int signal) {
        if (pgid <= 1 || pgid > Integer.MAX_VALUE) throw new IllegalArgumentException("not a process group: " + pgid);
        try {
            return (int) KILL.invokeExact((int) -pgid, signal) == 0;
        } catch (Throwable t) {
            throw new IllegalStateException("kill(2) failed: " + t, t);
        }
    }

    /** {@code kill(pid, signal)}; true if delivered. */
    static boolean signal(long pid, int signal) {
        if (pid <= 1 || pid > Integer.MAX_VALUE) return false;
        try {
            return (int) KILL.invokeExact((int) pid, signal) == 0;
        } catch (Throwable t) {
            throw new IllegalStateException("kill(2) failed: " + t, t);
        }
    }

    /** The process's {pgid, sid} from {@code /proc/PID/stat}, or null when it is gone. */
    static long[] groupAndSession(long pid) {
        try {
            String s = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // pid (comm) state ppid pgrp session ...; comm may hold spaces and parentheses
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return new long[] {Long.parseLong(f[2]), Long.parseLong(f[3])};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The process's start time in clock ticks since boot ({@code /proc/PID/stat} field 22), or -1 when it is gone. */
    static long startTime(long pid) {
        try {
            String s = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return Long.parseLong(s.substring(s.lastIndexOf(')') + 2).split(" ")[19]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** This boot's id ({@code /proc/sys/kernel/random/boot_id}), or "" when there is none. */
    static String bootId() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip();
        } catch (IOException e) {
            return "";
        }
    }

    /** Whether the process exists and is not a zombie (an orphan's zombie lingers where PID 1 does not reap). */
    static boolean running(long pid) {
        try {
            String s = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return !s.substring(s.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Every live process (zombies excluded) whose session is {@code sid}. */
    static List<Long> sessionMembers(long sid) {
        List<Long> out = new ArrayList<>();
        try (DirectoryStream<Path> d = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("[0-9]+"))) {
            for (Path p : d) {
                try {
                    String s = Files.readString(p.resolve("stat"));
                    String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
                    if (!f[0].equals("Z") && Long.parseLong(f[3]) == sid) out.add(Long.parseLong(p.getFileName().toString()));
                } catch (IOException | RuntimeException gone) {
                    // exited while we looked
                }
            }
        } catch (IOException e) {
            // no /proc: the group signal and the descendants are all we have
        }
        return out;
    }
}
