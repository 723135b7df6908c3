#!/bin/bash
# disk-guest.sh OUTDIR AGENT_DIR
#
# Builds OUTDIR/disk.img: a raw disk with the smallest real Linux system that boots FROM DISK
# through the BIOS (SeaBIOS: MBR -> syslinux -> kernel + initrd -> ext4 root), whose only service
# is the netrescue agent (the jlinked bundle from `mvn -pl core,agent -am package`, i.e.
# agent/target/netrescue-agent), and OUTDIR/disk.env (kernel, offsets, sizes, inputs).
# A server that installed a host and then lost it: this is the installed host, as a disk image.
#
# Layout (made with file offsets only: no loop devices, no mounts, so it builds in containers):
#   MBR         syslinux's mbr.bin + a DOS partition table (sfdisk)
#   partition 1 FAT16, 48 MiB, bootable flag: syslinux (ldlinux.sys/.c32), syslinux.cfg,
#               vmlinuz (the host's kernel), initrd.gz (busybox + virtio/ext4 modules)
#   partition 2 ext4 labelled nr-root, the rest of the disk: busybox with its applet links,
#               /sbin/init, /etc/fstab, /opt/netrescue-agent (AGENT_DIR whole) with the glibc
#               libraries its runtime needs, /etc/netrescue/agent.conf
# The initrd loads virtio_pci, virtio_blk, virtio_net, ext4 (with crc32c_generic), waits for the
# root= device (LABEL=/UUID= resolved with findfs), mounts it read-only and switch_roots to its
# /sbin/init. That init mounts the kernel filesystems, remounts / read-write and runs `mount -a`
# over /etc/fstab like a real boot. If mount -a fails it prints
# "NETRESCUE-DISK-EMERGENCY mount -a failed" and stays there with no network and no agent (what
# systemd's emergency mode looks like from outside). Otherwise it configures the NIC statically,
# prints "NETRESCUE-DISK-UP", starts the agent with its output on the console and prints
# "NETRESCUE-DISK-AGENT-STARTED"; if the agent exits, "NETRESCUE-DISK-AGENT-EXITED status=N" and
# it is restarted after 5 s. The agent's SysRq goes to the real /proc/sysrq-trigger.
#
# Run as root (reads /boot/vmlinuz-*, installs missing packages). Exit status 3: not root or no
# kernel (the tests skip). Idempotent: built in a temporary directory in OUTDIR, moved at the end.
#
# Environment:
#   AGENT_CONF=FILE       the agent.conf to install (required; java.util.Properties, see
#                         README.md; heartbeat-to = SERVER:PORT makes it send heartbeats)
#   NR_IP=10.0.2.15/24    static IPv4 address/prefix of the installed system (required)
#   NR_GW=10.0.2.2        default gateway (optional)
#   NR_IF=eth0            NIC name (default eth0)
#   BROKEN=fstab          add an /etc/fstab line for a filesystem that does not exist, so the
#                         boot stops at mount -a (default: empty, a sound fstab)
#   BREAK_AFTER=25        the admin's risky change, later: the sound system, once its agent has
#                         run this many seconds, appends that fstab line, syncs and reboots
#                         (SysRq b), printing "NETRESCUE-DISK-CHANGE-APPLIED"; it happens once
#   DISK_SIZE=256M        size of disk.img (whole MiB, at least 128M; the agent needs ~110 MB)
#   KVER=6.1.0-57-amd64   kernel to use (default: newest /boot/vmlinuz-*)
set -euo pipefail

die()  { echo "disk-guest: ERROR: $*" >&2; exit 1; }
info() { echo "disk-guest: $*" >&2; }
trap 'echo "disk-guest: ERROR: line $LINENO failed (exit status $?)" >&2' ERR
# pick_kernel, need_packages, initrd_skeleton, add_ko, add_modules, root_copy, copy_libs
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

T_START=$(date +%s.%N)
[ $# -eq 2 ] || { echo "usage: $0 OUTDIR AGENT_DIR   (AGENT_DIR: agent/target/netrescue-agent)" >&2; exit 2; }
OUT=$1
[ "$(id -u)" = 0 ] || { echo "disk-guest: must run as root (reads /boot/vmlinuz-*, installs packages)" >&2; exit 3; }
ls /boot/vmlinuz-* >/dev/null 2>&1 || { echo "disk-guest: no /boot/vmlinuz-* (apt-get install linux-image-amd64)" >&2; exit 3; }
AGENT=$(cd "$2" 2>/dev/null && pwd -P) || die "AGENT_DIR $2 not found"
[ -x "$AGENT/bin/netrescue-agent" ] && [ -x "$AGENT/runtime/bin/java" ] \
  || die "$AGENT is not an agent bundle (no bin/netrescue-agent or runtime/bin/java): build it with mvn -pl core,agent -am package"
ls "$AGENT"/lib/*.jar >/dev/null 2>&1 || die "$AGENT/lib has no jars"

# ---------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------
ipv4_ok() {  # a.b.c.d, each 0-255
  local IFS=. o n=0
  [[ $1 =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ ]] || return 1
  for o in $1; do [ "$o" -le 255 ] || return 1; n=$((n+1)); done
  [ $n = 4 ]
}
NR_IP=${NR_IP:-}; NR_GW=${NR_GW:-}; NR_IF=${NR_IF:-eth0}; BROKEN=${BROKEN:-}
[ -n "$NR_IP" ] || die "NR_IP is required (e.g. NR_IP=10.0.2.15/24)"
[[ $NR_IP == */* ]] && ipv4_ok "${NR_IP%/*}" && [[ ${NR_IP#*/} =~ ^[0-9]{1,2}$ ]] && [ "${NR_IP#*/}" -ge 1 ] \
  && [ "${NR_IP#*/}" -le 32 ] || die "NR_IP=$NR_IP is not an IPv4 address/prefix (e.g. 10.0.2.15/24)"
[ -z "$NR_GW" ] || ipv4_ok "$NR_GW" || die "NR_GW=$NR_GW is not an IPv4 address"
[[ $NR_IF =~ ^[A-Za-z0-9_.-]{1,15}$ ]] || die "NR_IF=$NR_IF is not an interface name"
case "$BROKEN" in ''|fstab) ;; *) die "BROKEN must be empty or fstab";; esac
BREAK_AFTER=${BREAK_AFTER:-}
case "$BREAK_AFTER" in ''|[1-9]|[1-9][0-9]|[1-9][0-9][0-9]) ;; *) die "BREAK_AFTER must be 1-999 seconds";; esac
[ -n "${AGENT_CONF:-}" ] || die "AGENT_CONF is required: the agent.conf to install"
[ -f "$AGENT_CONF" ] && [ -r "$AGENT_CONF" ] || die "AGENT_CONF=$AGENT_CONF is not a readable file"
grep -Eq '^[[:space:]]*host[[:space:]]*[=:]' "$AGENT_CONF" && grep -Eq '^[[:space:]]*key[[:space:]]*[=:]' "$AGENT_CONF" \
  || die "AGENT_CONF=$AGENT_CONF has no host= or no key= (see agent/.../AgentConfig.java)"
grep -Eq '^[[:space:]]*heartbeat-to[[:space:]]*[=:]' "$AGENT_CONF" \
  || info "note: $AGENT_CONF has no heartbeat-to=: the agent will not send heartbeats"
MIB=1048576
DISK_SIZE=${DISK_SIZE:-256M}
DISK_BYTES=$(numfmt --from=iec "$DISK_SIZE" 2>/dev/null) || die "DISK_SIZE=$DISK_SIZE is not a size (e.g. 256M)"
[ $((DISK_BYTES % MIB)) = 0 ] || die "DISK_SIZE=$DISK_SIZE is not a whole number of MiB"
[ "$DISK_BYTES" -ge $((128 * MIB)) ] || die "DISK_SIZE=$DISK_SIZE is too small (at least 128M)"

# Partition 1 at 1 MiB (sector 2048), 48 MiB; partition 2 from 49 MiB to the end.
P1_OFF=$MIB;                P1_BYTES=$((48 * MIB))
P2_OFF=$((P1_OFF + P1_BYTES)); P2_BYTES=$((DISK_BYTES - P2_OFF))

pick_kernel   # KVER, VMLINUZ, MODDIR
info "kernel $KVER, agent $(cat "$AGENT/VERSION" 2>/dev/null || echo '?') from $AGENT"
need_packages busybox-static cpio gzip kmod xz-utils zstd fdisk dosfstools e2fsprogs \
  syslinux syslinux-common mtools
MBR_BIN=/usr/lib/syslinux/mbr/mbr.bin
[ -r "$MBR_BIN" ] || die "$MBR_BIN missing (package syslinux-common)"

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd -P)
# In OUTDIR, so the final mv is a rename; removed on any exit.
TMP=$(mktemp -d "$OUT/.disk-guest.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# ---------------------------------------------------------------------------------------------
# 1. The root filesystem tree (partition 2): the "installed system".
# ---------------------------------------------------------------------------------------------
R=$TMP/rootfs          # lib.sh's root_copy/copy_libs copy into $R
mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,run,tmp,root,srv,etc/netrescue,var/lib/netrescue-agent,var/log,opt}
chmod 1777 "$R/tmp"; chmod 700 "$R/root"
cp /bin/busybox "$R/bin/busybox"
# The applet links where busybox itself would put them (busybox --list-full), all pointing at
# /bin/busybox; /sbin/init is ours (below), not busybox's init.
while read -r a; do
  case "$a" in bin/busybox|sbin/init|linuxrc) continue ;; esac
  mkdir -p "$R/$(dirname "$a")"; ln -sf /bin/busybox "$R/$a"
done < <(/bin/busybox --list-full)
[ -e "$R/bin/sh" ] || ln -s /bin/busybox "$R/bin/sh"

echo 'root:x:0:0:root:/root:/bin/sh' > "$R/etc/passwd"
echo 'root:x:0:' > "$R/etc/group"
printf '127.0.0.1\tlocalhost\n::1\tlocalhost\n' > "$R/etc/hosts"
HOSTNAME_=$(sed -n 's/^[[:space:]]*host[[:space:]]*[=:][[:space:]]*\([^[:space:]]*\).*/\1/p' "$AGENT_CONF" | tail -1)
echo "${HOSTNAME_:-nr-disk}" > "$R/etc/hostname"

# /etc/fstab: the root by label (it is also what the initrd mounted) and proc; BROKEN=fstab adds
# a filesystem no disk has, the classic "host does not come back after an fstab edit".
BAD_FSTAB='UUID=0badc0de-0000-4000-8000-000000000001 /srv ext4 defaults 0 2'
{
  echo '# <file system> <mount point> <type> <options> <dump> <pass>'
  echo 'LABEL=nr-root   /     ext4  defaults,errors=remount-ro  0 1'
  echo 'proc            /proc proc  defaults                    0 0'
  [ "$BROKEN" != fstab ] || echo "$BAD_FSTAB"
} > "$R/etc/fstab"

# The network, as an installer would have written it.
printf 'NR_IF=%s\nNR_IP=%s\nNR_GW=%s\n' "$NR_IF" "$NR_IP" "$NR_GW" > "$R/etc/netrescue/network"
install -m 600 "$AGENT_CONF" "$R/etc/netrescue/agent.conf"
if [ -n "$BREAK_AFTER" ]; then
  echo "$BREAK_AFTER" > "$R/etc/netrescue/break-after"
  echo "$BAD_FSTAB" > "$R/etc/netrescue/break-line"
fi

# The agent bundle, whole, and the glibc libraries its runtime needs (lib.sh).
add_agent_bundle "$AGENT"

cat > "$R/sbin/init" <<'INIT'
#!/bin/sh
# The installed system's init (generated by tools/guest/disk-guest.sh): what a real boot does,
# in the smallest form: kernel filesystems, / read-write, mount -a over /etc/fstab, network,
# the one service (the netrescue agent).
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
# (the initrd hands them over mounted; Debian's busybox has no mountpoint applet)
[ -r /proc/mounts ] || mount -t proc proc /proc
mounted() { awk -v m="$1" '$2 == m {f=1} END {exit !f}' /proc/mounts; }
mounted /sys || mount -t sysfs sys /sys
mounted /dev || mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1
up() { cut -d' ' -f1 /proc/uptime; }
# Emergency mode: no network, no agent, nothing but the console; from outside the host is gone.
emergency() {
  echo "NETRESCUE-DISK-EMERGENCY $* uptime=$(up)"
  while :; do sleep 3600; done
}
echo "NETRESCUE-DISK-INIT uptime=$(up)"
# The agent's SysRq goes through /proc/sysrq-trigger, which works whatever kernel.sysrq says;
# 1 also enables the serial console's SysRq for a human.
echo 1 > /proc/sys/kernel/sysrq
echo 4 > /proc/sys/kernel/printk
hostname -F /etc/hostname 2>/dev/null
mount -o remount,rw / || emergency "remount / rw failed"
mount -t tmpfs -o mode=755,size=16m run /run
# Like systemd's local-fs.target: every fstab line must mount, or the boot stops here.
mount -a || emergency "mount -a failed"

. /etc/netrescue/network
i=0
while [ ! -e /sys/class/net/$NR_IF ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
[ -e /sys/class/net/$NR_IF ] || emergency "no network interface $NR_IF"
ip link set lo up
ip link set "$NR_IF" up || emergency "link $NR_IF up failed"
ip addr add "$NR_IP" dev "$NR_IF" || emergency "ip addr $NR_IP failed"
[ -z "$NR_GW" ] || ip route add default via "$NR_GW" || emergency "route via $NR_GW failed"
echo "NETRESCUE-DISK-UP if=$NR_IF ip=$NR_IP gw=$NR_GW uptime=$(up)"

# The admin's risky change (BREAK_AFTER), once: an fstab line for a disk that is not there, then a reboot.
if [ -r /etc/netrescue/break-after ]; then
  (
    sleep "$(cat /etc/netrescue/break-after)"
    cat /etc/netrescue/break-line >> /etc/fstab
    rm -f /etc/netrescue/break-after
    sync
    echo "NETRESCUE-DISK-CHANGE-APPLIED uptime=$(up)"
    echo b > /proc/sysrq-trigger
  ) &
fi

# The service, with a restart policy (Restart=always, RestartSec=5).
while :; do
  /opt/netrescue-agent/bin/netrescue-agent run --config /etc/netrescue/agent.conf </dev/null &
  echo "NETRESCUE-DISK-AGENT-STARTED pid=$! uptime=$(up)"
  wait $!
  echo "NETRESCUE-DISK-AGENT-EXITED status=$? uptime=$(up)"
  sleep 5
done
INIT
chmod 755 "$R/sbin/init"

# Room for the tree: ext4 metadata, the journal and some slack.
TREE_KB=$(du -sk "$R" | cut -f1)
[ $((TREE_KB * 1024 * 5 / 4 + 16 * MIB)) -le "$P2_BYTES" ] \
  || die "DISK_SIZE=$DISK_SIZE too small: the root tree is $((TREE_KB / 1024)) MiB, partition 2 only $((P2_BYTES / MIB)) MiB"

# ---------------------------------------------------------------------------------------------
# 2. The initrd: find the root, mount it, switch_root.
# ---------------------------------------------------------------------------------------------
R=$TMP/initrd
initrd_skeleton newroot
add_modules virtio_pci virtio_blk virtio_net crc32c_generic ext4
# ext4 pulls in crc32c-intel, which refuses to load on QEMU's default TCG CPU (no SSE4.2);
# crc32c_generic serves ext4 instead.
sed -i '/^crc32c-intel\.ko$/d' "$R/lib/modules/nr/order"
rm -f "$R/lib/modules/nr/crc32c-intel.ko"

cat > "$R/init" <<'INIT'
#!/bin/busybox sh
# disk guest initrd (generated by tools/guest/disk-guest.sh)
fail() { echo "NETRESCUE-DISK-INITRD-FAILED $*"; while :; do sleep 1; done; }
ROOT= ROOTFLAGS=ro INIT=/sbin/init
nr_own_arg() {
  case "$1" in root=*) ROOT=${1#*=} ;; rw) ROOTFLAGS=rw ;; init=*) INIT=${1#*=} ;; esac
}
# nr_start, nr_cmdline, nr_load_modules: tools/guest/init-net.sh (the network is the installed
# system's business: nothing here configures it)
. /lib/nr/init-net.sh
nr_start
echo 4 > /proc/sys/kernel/printk
nr_cmdline
[ -n "$ROOT" ] || fail "no root= on the kernel command line"
nr_load_modules
# virtio_blk registers the disk asynchronously: wait up to 10 s for the root device.
i=0 DEV=
while :; do
  case "$ROOT" in
    LABEL=*|UUID=*) DEV=$(findfs "$ROOT" 2>/dev/null) ||: ;;
    *) [ -b "$ROOT" ] && DEV=$ROOT ;;
  esac
  [ -n "$DEV" ] && break
  i=$((i+1)); [ $i -lt 100 ] || fail "root device $ROOT not found"
  sleep 0.1
done
mount -t ext4 -o $ROOTFLAGS "$DEV" /newroot || fail "mount $DEV ($ROOT) on /newroot"
[ -x "/newroot$INIT" ] || fail "no $INIT on $DEV"
echo "NETRESCUE-DISK-ROOT $DEV ($ROOT) uptime=$(cut -d' ' -f1 /proc/uptime)"
# Keep /dev (the console is open on it) and hand /proc and /sys over as they are.
for m in dev proc sys; do mount --move /$m /newroot/$m || fail "move /$m"; done
exec switch_root /newroot "$INIT"
INIT
chmod 755 "$R/init"
find "$R" -exec touch -h -d @0 {} +
(cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc --reproducible --quiet -R 0:0 | gzip -6n) > "$TMP/initrd.gz"

# ---------------------------------------------------------------------------------------------
# 3. The disk: partition table, FAT + syslinux, ext4, MBR boot code.
# ---------------------------------------------------------------------------------------------
IMG=$TMP/disk.img
truncate -s "$DISK_BYTES" "$IMG"
sfdisk -q --no-reread --no-tell-kernel "$IMG" >/dev/null <<EOF || die "sfdisk failed"
label: dos
label-id: 0x4e524453
start=$((P1_OFF / 512)), size=$((P1_BYTES / 512)), type=6, bootable
start=$((P2_OFF / 512)), size=$((P2_BYTES / 512)), type=83
EOF
# syslinux's MBR code: the first 440 bytes only (disk signature and partition table stay).
dd if="$MBR_BIN" of="$IMG" bs=440 count=1 conv=notrunc status=none

# FAT16 at sector 2048 (hidden sectors = the partition's start, which the boot sector needs).
# (It warns that the file is larger than the BLOCKS we give: that is the point of --offset.)
mkfs.fat -F 16 -n NRBOOT -h $((P1_OFF / 512)) --offset=$((P1_OFF / 512)) "$IMG" $((P1_BYTES / 1024)) > "$TMP/mkfs.fat.log" 2>&1 \
  || { cat "$TMP/mkfs.fat.log" >&2; die "mkfs.fat failed"; }
syslinux --install --offset "$P1_OFF" "$IMG" || die "syslinux --install failed"
KCMD="console=ttyS0,115200 panic=10 root=LABEL=nr-root ro"
cat > "$TMP/syslinux.cfg" <<EOF
SERIAL 0 115200
DEFAULT netrescue
PROMPT 0
TIMEOUT 0
LABEL netrescue
  KERNEL /vmlinuz
  INITRD /initrd.gz
  APPEND $KCMD
EOF
export MTOOLS_SKIP_CHECK=1
mcopy -o -i "$IMG@@$P1_OFF" "$VMLINUZ" ::/vmlinuz
mcopy -o -i "$IMG@@$P1_OFF" "$TMP/initrd.gz" ::/initrd.gz
mcopy -o -i "$IMG@@$P1_OFF" "$TMP/syslinux.cfg" ::/syslinux.cfg
mdir -a -i "$IMG@@$P1_OFF" ::/ | grep -qi '^ldlinux *sys'  || die "no ldlinux.sys on partition 1 after syslinux --install"

# ext4 from the tree, at partition 2's offset. Owners come from the tree (we run as root).
ROOT_UUID=$(cat /proc/sys/kernel/random/uuid)
mkfs.ext4 -q -F -L nr-root -U "$ROOT_UUID" -E offset="$P2_OFF" -d "$TMP/rootfs" "$IMG" "$((P2_BYTES / 1024))k" \
  || die "mkfs.ext4 failed"
[ "$(stat -c%s "$IMG")" = "$DISK_BYTES" ] || die "disk.img changed size (mkfs.ext4 offset?)"

T_END=$(date +%s.%N)
cat > "$TMP/disk.env" <<EOF
KVER=$KVER
AGENT_VERSION=$(cat "$AGENT/VERSION" 2>/dev/null || echo unknown)
DISK_BYTES=$DISK_BYTES
P1_OFFSET=$P1_OFF
P1_BYTES=$P1_BYTES
P1_FS=vfat
P2_OFFSET=$P2_OFF
P2_BYTES=$P2_BYTES
P2_FS=ext4
ROOT_LABEL=nr-root
ROOT_UUID=$ROOT_UUID
KERNEL_CMDLINE="$KCMD"
INITRD_BYTES=$(stat -c%s "$TMP/initrd.gz")
ROOTFS_KB=$TREE_KB
NR_IF=$NR_IF
NR_IP=$NR_IP
NR_GW=$NR_GW
BROKEN=$BROKEN
BREAK_AFTER=$BREAK_AFTER
BUILD_SECONDS=$(echo "$T_START $T_END" | awk '{printf "%.1f", $2-$1}')
EOF
mv -f "$TMP/disk.img" "$OUT/disk.img"
mv -f "$TMP/disk.env" "$OUT/disk.env"
info "done: $OUT/disk.img ($((DISK_BYTES / MIB)) MiB, $(du -k "$OUT/disk.img" | cut -f1) KiB allocated), $OUT/disk.env; BROKEN=${BROKEN:-none}; $(sed -n 's/^BUILD_SECONDS=//p' "$OUT/disk.env") s"
