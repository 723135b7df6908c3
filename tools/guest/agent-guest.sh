#!/bin/bash
# agent-guest.sh OUTDIR AGENT_DIR
#
# Builds a QEMU test guest whose only service is the netrescue agent (the jlinked bundle from
# `mvn -pl core,agent -am package`, i.e. agent/target/netrescue-agent):
#   OUTDIR/vmlinuz, OUTDIR/initrd.gz, OUTDIR/guest.env (versions and sizes, for logs).
#
# The initrd is busybox-static + the virtio NIC modules + AGENT_DIR copied whole to
# /opt/netrescue-agent + the glibc libraries the runtime links against (found with ldd, copied to
# the same paths, with the dynamic loader). Its /init configures the NIC, writes the agent's
# config from the kernel command line, runs the agent in the background with its output on the
# console and writes to the guest's real /proc/sysrq-trigger, so `sb` really syncs and resets.
#
# Run as root (reads /boot/vmlinuz-*, which Debian makes root-only; installs missing packages).
# Idempotent: everything is rebuilt in a temporary directory and moved into OUTDIR at the end.
#
# Environment knobs (all optional):
#   KVER=6.1.0-56-amd64     kernel to use (default: newest /boot/vmlinuz-*)
#   AGENT_ARCHIVE=aot       what to add to speed up the JVM's start under TCG (see README.md):
#                           aot  (default) an AOT cache (JDK 25, JEP 483/514) recorded by starting
#                                the agent once in a chroot of the initrd with a throw-away config;
#                                /init passes -XX:AOTCache= through JDK_JAVA_OPTIONS
#                           cds  only a default CDS archive for java.base (lib/server/classes.jsa)
#                           none the bundle exactly as built
#   WITH_KEXEC=1            also add kexec-tools' /sbin/kexec and its libraries (installs the
#                           kexec-tools package when missing), so an agent.conf with
#                           allowed-kexec = true and kexec-execute = direct (no systemd here) can
#                           kexec the guest into a test kernel (`netrescue kernel try --kexec`)
#
# Guest kernel command line (read by the initrd's /init; values must not contain spaces):
#   nr.ip=10.0.2.15/24      IPv4 address/prefix for the NIC
#   nr.gw=10.0.2.2          IPv4 default gateway (optional)
#   nr.ip6=fd00::15/64      IPv6 address/prefix (optional; DAD disabled)
#   nr.if=eth0              NIC name (default eth0)
#   nr.agentconf=BASE64     the whole agent.conf (java.util.Properties), base64 without line
#                           breaks (`base64 -w0`); required. Ends up in /etc/netrescue/agent.conf.
#                           It holds the host key and the command line is printed on the console:
#                           test keys only.
#   nr.javaopts=A,B         extra JVM options for this boot, comma-separated (passed as
#                           JDK_JAVA_OPTIONS, e.g. nr.javaopts=-Xshare:off,-Xlog:startuptime)
# The guest prints "NETRESCUE-AGENT-STARTING", then "NETRESCUE-AGENT-READY port=<n> ..." once the
# agent's UDP port is bound (or "NETRESCUE-AGENT-FAILED <reason>"), then idles until a SysRq ends
# it; if the agent exits, "NETRESCUE-AGENT-EXITED status=<n>".
set -euo pipefail

die()  { echo "agent-guest: ERROR: $*" >&2; exit 1; }
info() { echo "agent-guest: $*" >&2; }
# set -e alone exits without a word when a command substitution fails
trap 'echo "agent-guest: ERROR: line $LINENO failed (exit status $?)" >&2' ERR
# shared with xt-sysrq-guest.sh: pick_kernel, need_packages, initrd_skeleton, add_ko, add_modules,
# root_copy, copy_libs, pack_guest (they use die/info above)
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ $# -eq 2 ] || { echo "usage: $0 OUTDIR AGENT_DIR   (AGENT_DIR: agent/target/netrescue-agent)" >&2; exit 2; }
OUT=$1
AGENT=$(cd "$2" 2>/dev/null && pwd -P) || die "AGENT_DIR $2 not found"
[ "$(id -u)" = 0 ] || die "must run as root (reads /boot/vmlinuz-*, installs packages)"
[ -x "$AGENT/bin/netrescue-agent" ] && [ -x "$AGENT/runtime/bin/java" ] \
  || die "$AGENT is not an agent bundle (no bin/netrescue-agent or runtime/bin/java): build it with mvn -pl core,agent -am package"
ls "$AGENT"/lib/*.jar >/dev/null 2>&1 || die "$AGENT/lib has no jars"
AGENT_ARCHIVE=${AGENT_ARCHIVE:-aot}
case "$AGENT_ARCHIVE" in aot|cds|none) ;; *) die "AGENT_ARCHIVE must be aot, cds or none";; esac
WITH_KEXEC=${WITH_KEXEC:-0}
case "$WITH_KEXEC" in 0|1) ;; *) die "WITH_KEXEC must be 0 or 1";; esac

pick_kernel   # KVER (newest /boot/vmlinuz-* unless given), VMLINUZ, MODDIR
info "kernel $KVER, agent $(cat "$AGENT/VERSION" 2>/dev/null || echo '?') from $AGENT"

# ---------------------------------------------------------------------------------------------
# 1. Debian 12 packages, installed only when missing.
# ---------------------------------------------------------------------------------------------
need_packages busybox-static cpio gzip kmod xz-utils zstd
[ "$WITH_KEXEC" = 0 ] || need_packages kexec-tools

TMP=$(mktemp -d /tmp/agent-guest.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
R=$TMP/root
initrd_skeleton etc/netrescue var/lib opt
chmod 1777 "$R/tmp"
# The JVM asks getpwuid() for user.name and the hsperfdata directory name; without these it
# works but calls root "?".
echo 'root:x:0:0:root:/root:/bin/sh' > "$R/etc/passwd"
echo 'root:x:0:' > "$R/etc/group"

# ---------------------------------------------------------------------------------------------
# 2. Kernel modules for the virtio NIC (uncompressed, so busybox insmod can load them), in the
#    order modprobe resolves from modules.dep.
# ---------------------------------------------------------------------------------------------
add_modules virtio_pci virtio_net

# ---------------------------------------------------------------------------------------------
# 3. The agent bundle, whole, and every library its runtime needs.
# ---------------------------------------------------------------------------------------------
GA=/opt/netrescue-agent          # where the bundle lives in the guest (lib.sh's add_agent_bundle)
add_agent_bundle "$AGENT"

# kexec-tools for `kernel try --kexec`: the binary at the agent's default kexec-command and the
# libraries ldd finds (Debian 12 links the Xen control libraries, for kexec under Xen); it reads
# /proc/iomem and /sys/firmware/memmap, which /init mounts.
if [ "$WITH_KEXEC" = 1 ]; then
  [ -x /sbin/kexec ] || die "/sbin/kexec missing although kexec-tools is installed"
  root_copy /sbin/kexec
  copy_libs /sbin/kexec
fi

# A default CDS archive (lib/server/classes.jsa, which the JVM maps by itself when present):
# jlink only writes one with --generate-cds-archive, which our bundle does not use. Without it
# the JVM parses and verifies java.base's start-up classes on every start. Dumped with the copied
# runtime so AGENT_DIR stays untouched; the archive records the modules file's size, not its path
# or mtime, so it stays valid under /opt in the guest. (The dump warns about java.logging classes
# in the JDK's classlist that a java.base-only runtime lacks: harmless, kept in the log.)
if [ "$AGENT_ARCHIVE" = cds ]; then
  "$R$GA/runtime/bin/java" -Xshare:dump -Xlog:cds=warning > "$TMP/cds.log" 2>&1 \
    || { cat "$TMP/cds.log" >&2; die "CDS dump failed"; }
  [ -f "$R$GA/runtime/lib/server/classes.jsa" ] || die "CDS dump wrote no lib/server/classes.jsa"
  "$R$GA/runtime/bin/java" -Xshare:on -version >/dev/null 2>&1 || die "the new CDS archive does not map (-Xshare:on)"
fi

# ---------------------------------------------------------------------------------------------
# 4. /init
# ---------------------------------------------------------------------------------------------
cat > "$R/init" <<'INIT'
#!/bin/busybox sh
# netrescue agent test guest (generated by tools/guest/agent-guest.sh)
fail() { echo "NETRESCUE-AGENT-FAILED $*"; while :; do sleep 1; done; }
NR_AGENTCONF= NR_JAVAOPTS=
nr_own_arg() {   # called by nr_cmdline for the words it does not know
  case "$1" in
    nr.agentconf=*) NR_AGENTCONF=${1#*=} ;; nr.javaopts=*) NR_JAVAOPTS=${1#*=} ;;
  esac
}
# nr_start, nr_cmdline (nr.if/ip/gw/ip6), nr_load_modules, nr_net_up: tools/guest/init-net.sh,
# shared with the xt_SYSRQ guest; it calls fail and nr_own_arg above.
. /lib/nr/init-net.sh
nr_start
uptime_s() { cut -d' ' -f1 /proc/uptime; }

# sysrq messages are KERN_INFO: show everything on the console.
echo 8 > /proc/sys/kernel/printk
# /proc/sysrq-trigger works whatever kernel.sysrq says; 1 also enables the keyboard/serial
# SysRq, so a human at the console has the same keys.
echo 1 > /proc/sys/kernel/sysrq

nr_cmdline
nr_load_modules
nr_net_up
ip -o addr show dev "$NR_IF"

# The config comes base64-encoded because the kernel command line splits on spaces and cannot
# carry newlines; the file then is exactly what `netrescue sysrq agent-config` would install.
CONF=/etc/netrescue/agent.conf
[ -n "$NR_AGENTCONF" ] || fail "no nr.agentconf= on the kernel command line"
umask 077
echo "$NR_AGENTCONF" | base64 -d > $CONF || fail "nr.agentconf is not valid base64"
umask 022
# Which port to watch: the same default and "address:port" rule as AgentConfig ([v6]:port too).
PORT=$(sed -n 's/^[[:space:]]*listen[[:space:]]*[=:][[:space:]]*\(.*\)$/\1/p' $CONF | tail -1 \
       | sed 's/[[:space:]]*$//; s/.*://')
PORT=${PORT:-6099}
case "$PORT" in ''|*[!0-9]*) fail "cannot read the port from listen= in $CONF";; esac
HEXPORT=$(printf '%04X' "$PORT")

echo "NETRESCUE-AGENT-STARTING uptime=$(uptime_s)"
t0=$(uptime_s)
# JDK_JAVA_OPTIONS is read by the java launcher itself, so the bundle's launcher stays as shipped.
AOT=/opt/netrescue-agent/agent.aot
JOPTS="$([ -f $AOT ] && echo "-XX:AOTCache=$AOT") $(echo "$NR_JAVAOPTS" | tr ',' ' ')"
[ -n "${JOPTS// /}" ] && export JDK_JAVA_OPTIONS="$JOPTS"
/opt/netrescue-agent/bin/netrescue-agent run --config $CONF </dev/null &
AGENT_PID=$!   # the launcher execs java: this is the JVM's pid
unset JDK_JAVA_OPTIONS

# Ready = the port is bound (a bound UDP socket queues datagrams even before the receive loop
# runs, so nothing sent after READY is lost). The agent logs "listening on" right after binding.
i=0
while ! awk -v p=":$HEXPORT" 'FNR>1 && substr($2, length($2)-4)==p {f=1} END{exit !f}' \
          /proc/net/udp /proc/net/udp6 2>/dev/null; do
  if ! kill -0 $AGENT_PID 2>/dev/null; then
    wait $AGENT_PID; fail "agent exited with status $? before binding port $PORT"
  fi
  # 5 minutes: TCG on a busy machine is slow, but a JVM that needs longer is stuck
  i=$((i+1)); [ $i -lt 3000 ] || fail "agent not listening on port $PORT after 300 s"
  sleep 0.1
done
t1=$(uptime_s)
st() { awk -v k="$1:" '$1==k {print $2 $3}' /proc/$AGENT_PID/status; }
echo "NETRESCUE-AGENT-READY port=$PORT uptime=$t1 agent_start_s=$(echo "$t1 $t0" | awk '{printf "%.2f", $1-$2}')" \
     "VmRSS=$(st VmRSS) VmLck=$(st VmLck)"
# Memory again once the JVM has settled (C1, the receive thread; MCL_FUTURE locks all of it).
( sleep 10; kill -0 $AGENT_PID 2>/dev/null && \
  echo "NETRESCUE-AGENT-MEM VmRSS=$(st VmRSS) VmLck=$(st VmLck) VmHWM=$(st VmHWM) Threads=$(st Threads)" ) &

# PID 1 must never exit (that would panic); stay up until a SysRq ends the guest.
wait $AGENT_PID; echo "NETRESCUE-AGENT-EXITED status=$?"
while :; do sleep 1; done
INIT
chmod 755 "$R/init"

# Fixed mtimes, for a reproducible cpio and because the AOT cache records the jars' mtimes.
find "$R" -exec touch -h -d @0 {} +

# ---------------------------------------------------------------------------------------------
# 5. The AOT cache: the agent's start-up is mostly class loading and linking (java.base's boot
#    classes, then ~300 more plus generated classes for the FFM mlockall downcall), which under
#    TCG costs seconds. A training run records them; the cache only matches the exact class path
#    and jar mtimes, so it runs the real launcher at the guest's paths: chroot into the initrd
#    tree. Private mount and network namespaces: proc is mounted for the chroot only (the loader
#    needs /proc/self/exe for $ORIGIN), the agent can bind only an isolated loopback, and the
#    training config's trigger is a plain file; the host's /proc/sysrq-trigger is masked as well.
#    No request is sent: the first request still loads the HMAC/codec classes (see README.md).
# ---------------------------------------------------------------------------------------------
if [ "$AGENT_ARCHIVE" = aot ]; then
  command -v unshare >/dev/null && command -v chroot >/dev/null || die "needs unshare and chroot (util-linux, coreutils)"
  # JDK 25 also stores the i2c/c2i call adapters as machine code generated for THIS host's CPU and
  # does not check CPU features when loading them: the guest's TCG qemu64 CPU (no AVX) dies with
  # SIGILL in an AdapterBlob right at start. So no code in the cache, only classes and profiles.
  AOT_OPTS="-XX:+UnlockDiagnosticVMOptions -XX:-AOTAdapterCaching -XX:-AOTStubCaching"
  key=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')    # throw-away: nothing ever signs with it
  printf 'host=aot-training\nkey=%s\nlisten=127.0.0.1:0\ntrigger=/tmp/aot-training/trigger\nstate=/tmp/aot-training/seq\n' \
    "$key" > "$TMP/training.conf"
  mkdir -p "$R/tmp/aot-training"; mv "$TMP/training.conf" "$R/tmp/aot-training/agent.conf"
  : > "$R/tmp/aot-training/trigger"
  if ! unshare --mount --propagation private --net --fork -- /bin/sh -c '
      set -e; R=$1
      mount -t proc proc "$R/proc"
      [ ! -e "$R/proc/sysrq-trigger" ] || mount --bind /dev/null "$R/proc/sysrq-trigger"
      mount -t tmpfs -o size=1m,mode=755 dev "$R/dev"
      mknod -m 666 "$R/dev/null" c 1 3; mknod -m 444 "$R/dev/urandom" c 1 9
      mkdir "$R/tmp/aot-training/bin"
      exec chroot "$R" /bin/busybox sh -c "
        set -e; T=/tmp/aot-training
        /bin/busybox --install -s \$T/bin; export PATH=\$T/bin
        ip link set lo up
        # (sh LAUNCHER: the tree has no /bin/sh until /init installs the busybox links)
        JDK_JAVA_OPTIONS=\"-XX:AOTCacheOutput=$2 $3\" sh /opt/netrescue-agent/bin/netrescue-agent run \\
          --config \$T/agent.conf > \$T/log 2>&1 &
        p=\$!; i=0
        while ! grep -q \"listening on\" \$T/log; do
          kill -0 \$p 2>/dev/null || { cat \$T/log; exit 1; }
          i=\$((i+1)); [ \$i -lt 600 ] || { cat \$T/log; kill \$p; exit 1; }
          sleep 0.1
        done
        sleep 1     # the receive thread and its first receive() call
        # SIGTERM: the JVM exits normally and writes the cache on the way out (status 143)
        kill -TERM \$p; wait \$p || :
        cat \$T/log"' sh "$R" "$GA/agent.aot" "$AOT_OPTS" > "$TMP/aot.log" 2>&1; then
    cat "$TMP/aot.log" >&2; die "AOT training run failed"
  fi
  grep -q 'AOTCache creation is complete' "$TMP/aot.log" || { cat "$TMP/aot.log" >&2; die "no AOT cache written"; }
  rm -rf "$R/tmp/aot-training" "$R"/tmp/hsperfdata_*
  # (pack_guest sets the mtimes the training run changed back to 0)
fi

pack_guest "$OUT"   # reproducible initrd.gz (sorted, mtimes 0, gzip -n) and vmlinuz
cat > "$OUT/guest.env" <<EOF
KVER=$KVER
AGENT_VERSION=$(cat "$AGENT/VERSION" 2>/dev/null || echo unknown)
AGENT_RUNTIME=$(sed -n 's/^JAVA_VERSION="\(.*\)"/\1/p' "$AGENT/runtime/release")
AGENT_ARCHIVE=$AGENT_ARCHIVE
KEXEC=$([ "$WITH_KEXEC" = 1 ] && /sbin/kexec --version 2>&1 | head -1 || echo none)
AGENT_ARCHIVE_BYTES=$(cat "$R$GA/agent.aot" "$R$GA/runtime/lib/server/classes.jsa" 2>/dev/null | wc -c)
INITRD_UNPACKED_KB=$(du -sk "$R" | cut -f1)
INITRD_SHA256=$(sha256sum "$OUT/initrd.gz" | cut -d' ' -f1)
EOF
info "done: $OUT/vmlinuz $OUT/initrd.gz ($(stat -c%s "$OUT/initrd.gz") bytes, $(du -sm "$R" | cut -f1) MB unpacked)"
