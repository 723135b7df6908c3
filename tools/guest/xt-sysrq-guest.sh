#!/bin/bash
# xt-sysrq-guest.sh OUTDIR
#
# Builds a QEMU test guest whose kernel runs xt_SYSRQ (xtables-addons >= 3.26) behind an
# iptables rule:  OUTDIR/vmlinuz, OUTDIR/initrd.gz, OUTDIR/guest.env (versions, for logs).
#
# Why this is more than "apt-get install xtables-addons-dkms":
#   * Debian 12's xtables-addons 3.23 xt_SYSRQ puts a `struct shash_desc` on the stack and the
#     first request that reaches the hash (no password needed) panics the kernel
#     ("stack-protector: Kernel stack is corrupted in: sysrq_tg"). Fixed upstream in 3.26.
#   * Debian 13 (trixie) ships 3.27, whose *source* builds against Debian 12's 6.1 headers, but
#     its dkms .deb needs a newer dkms. So we download that .deb with a throw-away apt
#     configuration (the system's sources are never touched), unpack it with dpkg-deb -x and
#     build only xt_SYSRQ.ko (+ compat_xtables.ko) with kbuild.
#
# Run as root. Idempotent. The built modules and the .deb are cached in
# ${XT_SYSRQ_CACHE:-/var/cache/netrescue-xt-sysrq}/<kernel version>/<xtables-addons version>/,
# so a rerun only re-assembles the initrd (a few seconds, no network).
#
# Environment knobs (all optional):
#   KVER=6.1.0-56-amd64     kernel to use (default: newest /boot/vmlinuz-*)
#   XA_VERSION=3.27-4       pin the xtables-addons-dkms Debian version (must be in XA_SUITE)
#   XA_SUITE=trixie         Debian suite to fetch xtables-addons-dkms from
#   XA_REFRESH=1            ignore cached builds and ask XA_SUITE for its current version
#   XT_SYSRQ_CACHE=DIR      cache directory
#
# Guest kernel command line (read by the initrd's /init; values must not contain spaces):
#   nr.ip=10.0.2.15/24      IPv4 address/prefix for the NIC (required for IPv4)
#   nr.gw=10.0.2.2          IPv4 default gateway (optional)
#   nr.ip6=fd00::15/64      IPv6 address/prefix (optional; DAD disabled)
#   nr.if=eth0              NIC name (default eth0)
#   nr.sysrqpw=secret       xt_SYSRQ password (max 63 bytes; written with printf '%s', no newline)
#   nr.sysrqhash=sha256     hash algorithm, given at module load (default sha1; sha1/sha256
#                           are built into the Debian kernel, sha384/sha512 load sha512_generic)
#   nr.sysrqseq=N           written to /sys/module/xt_SYSRQ/parameters/seqno after load
#                           (default: the module's own start value = guest wall clock seconds)
#   nr.sysrqport=9          UDP destination port of the rule (default 9)
#   nr.sysrqsrc=10.0.2.2    restrict the IPv4 rule to this source (iptables -s syntax)
#   nr.sysrqsrc6=fd00::2    restrict the IPv6 rule to this source
#   nr.sysrqdebug=1         module debug=1: logs "old sequence number ignored", "Bad digest,
#                           expected <hex>", "badly formatted request" and every packet
# The guest prints "NETRESCUE-XTSYSRQ-READY seqno=<n>" on the console when the rule is active
# (or "NETRESCUE-XTSYSRQ-FAILED <reason>"), then idles until a SysRq (e.g. 'b') ends it.
set -euo pipefail

die()  { echo "xt-sysrq-guest: ERROR: $*" >&2; exit 1; }
info() { echo "xt-sysrq-guest: $*" >&2; }
# shared with agent-guest.sh: pick_kernel, need_packages, initrd_skeleton, add_ko, add_modules,
# copy_libs, pack_guest (they use die/info above)
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
OUT=$1
[ "$(id -u)" = 0 ] || die "must run as root (installs packages, reads /boot, builds modules)"

MIN_XA=3.26
XA_SUITE=${XA_SUITE:-trixie}
CACHE_ROOT=${XT_SYSRQ_CACHE:-/var/cache/netrescue-xt-sysrq}

pick_kernel   # KVER (newest /boot/vmlinuz-* unless given), VMLINUZ, MODDIR
info "kernel $KVER"

# ---------------------------------------------------------------------------------------------
# 1. Debian 12 packages. Installed only when missing; --no-install-recommends keeps
#    xtables-addons-common from pulling in Debian 12's (crashing) xtables-addons-dkms.
#    xtables-addons-common (3.23) is only used for its userland libxt_SYSRQ.so: the SYSRQ
#    target has no options (revision 1, zero-size target data), so it works with the 3.27 module.
# ---------------------------------------------------------------------------------------------
need_packages -h "is linux-headers-$KVER still in the archive?" \
  linux-headers-"$KVER" build-essential kmod iptables xtables-addons-common busybox-static \
  cpio gzip xz-utils
[ -e "$MODDIR/build/Makefile" ] || die "$MODDIR/build/Makefile missing (linux-headers-$KVER broken?)"
ARCH_TRIPLET=$(gcc -dumpmachine)   # e.g. x86_64-linux-gnu (Debian multiarch dir)
XTLIBDIR=/usr/lib/$ARCH_TRIPLET/xtables
[ -f "$XTLIBDIR/libxt_SYSRQ.so" ] || die "$XTLIBDIR/libxt_SYSRQ.so missing (xtables-addons-common)"

# ---------------------------------------------------------------------------------------------
# 2. Which xtables-addons version? Pinned (XA_VERSION), else the newest cached build for this
#    kernel (no network on reruns), else ask XA_SUITE with a temporary apt configuration.
# ---------------------------------------------------------------------------------------------
KCACHE=$CACHE_ROOT/$KVER
TMP=$(mktemp -d /tmp/xt-sysrq-guest.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
chmod 755 "$TMP"   # apt downloads as user _apt, which must reach $TMP/apt

# apt with its own sources.list/lists/cache under $TMP: Dir::Etc::sourceparts=- disables
# /etc/apt/sources.list.d, so only XA_SUITE is seen; nothing under /etc or /var/lib/apt changes.
APTDIR=$TMP/apt
tmp_apt() {
  apt-get -o Dir::Etc::sourcelist="$APTDIR/sources.list" -o Dir::Etc::sourceparts=- \
          -o Dir::State::Lists="$APTDIR/lists" -o Dir::Cache="$APTDIR/cache" \
          -o APT::Get::List-Cleanup=0 "$@"
}
tmp_apt_setup() {
  [ -f "$APTDIR/sources.list" ] && return 0
  mkdir -p "$APTDIR/lists/partial" "$APTDIR/cache/archives/partial" "$APTDIR/dl"
  # the index is signed by the Debian archive keys that Debian 12 already trusts
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $XA_SUITE main" \
    > "$APTDIR/sources.list"
  chown -R _apt "$APTDIR" 2>/dev/null || :   # apt downloads as user _apt
  info "reading the $XA_SUITE package index (temporary apt lists in $APTDIR)"
  tmp_apt -q --error-on=any update >&2 || die "apt-get update for $XA_SUITE failed"
}

if [ -z "${XA_VERSION:-}" ] && [ "${XA_REFRESH:-0}" != 1 ] && [ -d "$KCACHE" ]; then
  XA_VERSION=$(ls "$KCACHE" | while read -r d; do [ -f "$KCACHE/$d/xt_SYSRQ.ko" ] && echo "$d"; done \
               | sort -V | tail -1) || :
  [ -n "$XA_VERSION" ] && info "using cached xtables-addons $XA_VERSION"
fi
if [ -z "${XA_VERSION:-}" ]; then
  tmp_apt_setup
  XA_VERSION=$(apt-cache -o Dir::Etc::sourcelist="$APTDIR/sources.list" -o Dir::Etc::sourceparts=- \
      -o Dir::State::Lists="$APTDIR/lists" -o Dir::Cache="$APTDIR/cache" \
      policy xtables-addons-dkms | sed -n 's/^ *Candidate: //p')
  [ -n "$XA_VERSION" ] && [ "$XA_VERSION" != "(none)" ] \
    || die "xtables-addons-dkms not found in $XA_SUITE"
  info "$XA_SUITE has xtables-addons-dkms $XA_VERSION"
fi
dpkg --compare-versions "$XA_VERSION" ge "$MIN_XA" \
  || die "xtables-addons $XA_VERSION < $MIN_XA: its xt_SYSRQ panics the kernel on the first hashed request"

# ---------------------------------------------------------------------------------------------
# 3. Build xt_SYSRQ.ko + compat_xtables.ko (cached per kernel + xtables-addons version).
# ---------------------------------------------------------------------------------------------
MCACHE=$KCACHE/$XA_VERSION
if [ -f "$MCACHE/xt_SYSRQ.ko" ] && [ -f "$MCACHE/compat_xtables.ko" ]; then
  info "module cache hit: $MCACHE"
else
  DEB=$CACHE_ROOT/debs/xtables-addons-dkms_${XA_VERSION}_all.deb
  if [ ! -f "$DEB" ]; then
    tmp_apt_setup
    info "downloading xtables-addons-dkms=$XA_VERSION from $XA_SUITE"
    (cd "$APTDIR/dl" && tmp_apt -q download "xtables-addons-dkms=$XA_VERSION" >&2) \
      || die "apt-get download xtables-addons-dkms=$XA_VERSION failed"
    mkdir -p "$CACHE_ROOT/debs"
    mv "$APTDIR"/dl/xtables-addons-dkms_*_all.deb "$DEB"
  fi
  dpkg-deb -x "$DEB" "$TMP/deb"
  SRC=$(ls -d "$TMP"/deb/usr/src/xtables-addons-* | head -1)
  [ -f "$SRC/extensions/xt_SYSRQ.c" ] || die "no extensions/xt_SYSRQ.c in $DEB"
  # The fix we rely on (3.26): the hash descriptor must come from SHASH_DESC_ON_STACK.
  grep -q 'SHASH_DESC_ON_STACK' "$SRC/extensions/xt_SYSRQ.c" \
    || die "$SRC/extensions/xt_SYSRQ.c lacks SHASH_DESC_ON_STACK (the 3.26 stack fix)"
  # Build only SYSRQ: the Kbuild always builds compat_xtables.o and reads build_* from mconfig.
  echo "build_SYSRQ=m" > "$SRC/mconfig"
  info "building xt_SYSRQ.ko against $MODDIR/build (log: $MCACHE/build.log)"
  mkdir -p "$KCACHE"
  STAGE=$(mktemp -d "$KCACHE/.build.XXXXXX"); chmod 755 "$STAGE"
  # -ffile-prefix-map: the random temp path would otherwise end up in the debug info and the
  # build-id, so two builds of the same source for the same headers would differ.
  if ! make -C "$MODDIR/build" M="$SRC/extensions" XA_ABSTOPSRCDIR="$SRC" XA_TOPSRCDIR="$SRC" \
       KCFLAGS="-ffile-prefix-map=$SRC/=$(basename "$SRC")/" \
       -j"$(nproc)" modules >"$STAGE/build.log" 2>&1; then
    tail -30 "$STAGE/build.log" >&2
    die "module build failed (full log: $STAGE/build.log)"
  fi
  cp "$SRC/extensions/xt_SYSRQ.ko" "$SRC/extensions/compat_xtables.ko" "$STAGE/"
  cp "$SRC/extensions/xt_SYSRQ.c" "$STAGE/"     # keep the exact source next to the binary
  VM=$(modinfo -F vermagic "$STAGE/xt_SYSRQ.ko")
  case "$VM" in "$KVER "*) ;; *) die "built module has vermagic '$VM', expected $KVER";; esac
  rm -rf "$MCACHE"; mv "$STAGE" "$MCACHE"          # atomic publish into the cache
  info "cached: $MCACHE"
fi

# ---------------------------------------------------------------------------------------------
# 4. Assemble the initrd: busybox-static, kernel modules (uncompressed, so busybox insmod can
#    load them), iptables-legacy + extensions + the libraries ldd names, and /init.
# ---------------------------------------------------------------------------------------------
R=$TMP/root
initrd_skeleton

# Module load order: modprobe resolves dependencies of the in-tree modules from modules.dep.
# (sha1/sha256 are built into Debian's kernel; sha512_generic covers hash=sha384/sha512.)
add_modules virtio_pci virtio_net x_tables ip_tables iptable_filter ip6_tables ip6table_filter \
            xt_tcpudp sha512_generic
# xt_SYSRQ's own dependencies (3.27 on 6.1: only x_tables; compat_xtables.ko is built by the
# Kbuild anyway and is added only if xt_SYSRQ ever needs it).
for d in $(modinfo -F depends "$MCACHE/xt_SYSRQ.ko" | tr ',' ' '); do
  if [ "$d" = compat_xtables ]; then add_ko "$MCACHE/compat_xtables.ko"; continue; fi
  grep -qx "$d.ko" "$R/lib/modules/nr/order" || die "xt_SYSRQ needs $d, not in the initrd"
done
# Last in the load order on purpose: /init loads it itself, with options from the command line.
add_ko "$MCACHE/xt_SYSRQ.ko"
# our builds carry full debug info (~0.5 MB); the initrd copy does not need it
strip --strip-debug "$R"/lib/modules/nr/xt_SYSRQ.ko "$R"/lib/modules/nr/compat_xtables.ko 2>/dev/null || :

copy_elf() { root_copy "$1"; copy_libs "$1"; }   # FILE and its libraries, at the host's paths
# iptables-legacy is a multi-call binary that dispatches on argv[0]; keep its names.
MULTI=$(readlink -f /usr/sbin/iptables-legacy)
[ -x "$MULTI" ] || die "iptables-legacy not found (package iptables)"
copy_elf "$MULTI"
for n in iptables-legacy ip6tables-legacy iptables ip6tables; do
  ln -sf "$(basename "$MULTI")" "$R/usr/sbin/$n"
done
for x in libxt_standard libxt_udp libxt_tcp libxt_SYSRQ libxt_comment; do
  [ -f "$XTLIBDIR/$x.so" ] && copy_elf "$XTLIBDIR/$x.so"
done

cat > "$R/init" <<'INIT'
#!/bin/busybox sh
# netrescue xt_SYSRQ test guest (generated by tools/guest/xt-sysrq-guest.sh)
fail() { echo "NETRESCUE-XTSYSRQ-FAILED $*"; while :; do sleep 1; done; }
NR_SYSRQPW= NR_SYSRQHASH=sha1 NR_SYSRQSEQ= NR_SYSRQPORT=9
NR_SYSRQSRC= NR_SYSRQSRC6= NR_SYSRQDEBUG=0
nr_own_arg() {   # called by nr_cmdline for the words it does not know
  case "$1" in
    nr.sysrqpw=*) NR_SYSRQPW=${1#*=} ;;  nr.sysrqhash=*) NR_SYSRQHASH=${1#*=} ;;
    nr.sysrqseq=*) NR_SYSRQSEQ=${1#*=} ;; nr.sysrqport=*) NR_SYSRQPORT=${1#*=} ;;
    nr.sysrqsrc=*) NR_SYSRQSRC=${1#*=} ;; nr.sysrqsrc6=*) NR_SYSRQSRC6=${1#*=} ;;
    nr.sysrqdebug=*) NR_SYSRQDEBUG=${1#*=} ;;
  esac
}
# nr_start, nr_cmdline (nr.if/ip/gw/ip6), nr_load_modules, nr_net_up: tools/guest/init-net.sh,
# shared with the agent guest; it calls fail and nr_own_arg above.
. /lib/nr/init-net.sh
nr_start

# xt_SYSRQ and sysrq messages are KERN_INFO: show everything on the console.
echo 8 > /proc/sys/kernel/printk
# handle_sysrq() obeys kernel.sysrq (Debian default 438 = a mask); 1 enables every function.
echo 1 > /proc/sys/kernel/sysrq

nr_cmdline
# xt_SYSRQ is last in the load order and takes the hash and debug options at load time.
nr_load_modules xt_SYSRQ.ko
insmod /lib/modules/nr/xt_SYSRQ.ko hash="$NR_SYSRQHASH" debug="$NR_SYSRQDEBUG" \
  || fail "insmod xt_SYSRQ.ko hash=$NR_SYSRQHASH"

# Password: printf '%s' (no newline). With echo, the stored trailing newline is stripped only
# after the first hash input was built, so the first correct request fails with "Bad digest".
[ -n "$NR_SYSRQPW" ] || fail "no nr.sysrqpw= on the kernel command line"
printf '%s' "$NR_SYSRQPW" > /sys/module/xt_SYSRQ/parameters/password || fail "password (max 63 bytes)"
# The module starts at its load time's wall clock seconds; a seqno= load option is overwritten
# by that, so a chosen start value must be written after loading.
if [ -n "$NR_SYSRQSEQ" ]; then
  echo "$NR_SYSRQSEQ" > /sys/module/xt_SYSRQ/parameters/seqno || fail "seqno $NR_SYSRQSEQ"
fi

nr_net_up

iptables-legacy -I INPUT -p udp ${NR_SYSRQSRC:+-s "$NR_SYSRQSRC"} --dport "$NR_SYSRQPORT" -j SYSRQ \
  || fail "iptables rule"
ip6tables-legacy -I INPUT -p udp ${NR_SYSRQSRC6:+-s "$NR_SYSRQSRC6"} --dport "$NR_SYSRQPORT" -j SYSRQ \
  || fail "ip6tables rule"
iptables-legacy -S INPUT; ip6tables-legacy -S INPUT
ip -o addr show dev "$NR_IF"
echo "NETRESCUE-XTSYSRQ-READY seqno=$(cat /sys/module/xt_SYSRQ/parameters/seqno)"
# PID 1 must never exit (that would panic); stay reachable until a SysRq ends the guest.
while :; do sleep 1; done
INIT
chmod 755 "$R/init"

pack_guest "$OUT"   # reproducible initrd.gz (sorted, mtimes 0, gzip -n) and vmlinuz
cat > "$OUT/guest.env" <<EOF
KVER=$KVER
XA_VERSION=$XA_VERSION
XA_SUITE=$XA_SUITE
MODULE_CACHE=$MCACHE
LIBXT_SYSRQ=xtables-addons-common $(dpkg-query -W -f='${Version}' xtables-addons-common)
INITRD_SHA256=$(sha256sum "$OUT/initrd.gz" | cut -d' ' -f1)
EOF
info "done: $OUT/vmlinuz $OUT/initrd.gz ($(stat -c%s "$OUT/initrd.gz") bytes), xtables-addons $XA_VERSION"
