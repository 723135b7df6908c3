#!/usr/bin/env bash
# powercut-guest.sh OUTDIR — a guest that runs the real netrescue server on a virtual disk, for the
# power-loss test (PowerLossQemuTest). See README.md in this directory.
#
# Builds OUTDIR/vmlinuz (the host's newest /boot/vmlinuz-*), OUTDIR/initrd.gz and OUTDIR/guest.env.
# The initrd holds only busybox and kernel modules; everything else comes from the HOST's root
# filesystem, which the guest mounts read-only over virtio-9p (QEMU `-virtfs local,path=/,
# mount_tag=hostroot,security_model=none,readonly=on`) and chroots into: the same JDK and the same
# class path at the same paths as on the host. In the chroot /var/tmp is a tmpfs (java.io.tmpdir)
# and the first virtio disk (/dev/vda, ext4, made by the test) is mounted on nr.disk.
#
# Kernel command line (no spaces in values): nr.ip= nr.gw= (init-net.sh), and
#   nr.java=PATH     the java executable (host path)
#   nr.args=FILE     a java @argument file on the host (JVM options, main class, its arguments)
#   nr.disk=DIR      an existing directory on the host where the guest mounts /dev/vda
# /init prints NETRESCUE-POWERCUT-DISK (disk mounted), NETRESCUE-POWERCUT-JAVA (server started)
# and, if java exits, NETRESCUE-POWERCUT-EXITED status=N; any failure NETRESCUE-POWERCUT-FAILED.
# Exit status 3: a prerequisite is missing (the test skips).
set -euo pipefail

die()  { echo "powercut-guest: ERROR: $*" >&2; exit 1; }
info() { echo "powercut-guest: $*" >&2; }
trap 'echo "powercut-guest: ERROR: line $LINENO failed (exit status $?)" >&2' ERR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
OUT=$1
[ "$(id -u)" = 0 ] || { echo "powercut-guest: must run as root (reads /boot/vmlinuz-*, installs packages)" >&2; exit 3; }
ls /boot/vmlinuz-* >/dev/null 2>&1 || { echo "powercut-guest: no /boot/vmlinuz-* (apt-get install linux-image-amd64)" >&2; exit 3; }

pick_kernel   # KVER, VMLINUZ, MODDIR
info "kernel $KVER"
need_packages busybox-static cpio gzip kmod xz-utils zstd

TMP=$(mktemp -d /tmp/powercut-guest.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
R=$TMP/root
initrd_skeleton newroot
chmod 1777 "$R/tmp"

# virtio transport, the NIC, the disk with ext4, and 9p for the host's root
add_modules virtio_pci virtio_net virtio_blk crc32c_generic ext4 9pnet_virtio 9p
# ext4 pulls in crc32c-intel, which refuses to load on a CPU without SSE4.2 (QEMU's default TCG
# CPU); crc32c_generic serves ext4 instead.
sed -i '/^crc32c-intel\.ko$/d' "$R/lib/modules/nr/order"
rm -f "$R/lib/modules/nr/crc32c-intel.ko"

cat > "$R/init" <<'INIT'
#!/bin/busybox sh
fail() { echo "NETRESCUE-POWERCUT-FAILED $*"; while :; do sleep 1; done; }
NR_JAVA= NR_ARGS= NR_DISK=
nr_own_arg() {
  case "$1" in nr.java=*) NR_JAVA=${1#*=} ;; nr.args=*) NR_ARGS=${1#*=} ;; nr.disk=*) NR_DISK=${1#*=} ;; esac
}
. /lib/nr/init-net.sh
nr_start
echo 4 > /proc/sys/kernel/printk
nr_cmdline
nr_load_modules
nr_net_up

N=/newroot
# msize: bigger 9p messages read the JDK's modules file and the jars faster. cache=loose: the
# host's files do not change while the guest runs (read-only; the test writes its files before
# boot), so the guest may cache them. QEMU needs multidevs=remap, or files of different host
# filesystems collide in the guest's inode cache (seen: libjli.so "not found").
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=524288,cache=loose hostroot $N || fail "mount 9p hostroot"
[ -n "$NR_JAVA" ] && [ -x "$N$NR_JAVA" ] || fail "nr.java=$NR_JAVA is not an executable on the host root"
[ -n "$NR_ARGS" ] && [ -r "$N$NR_ARGS" ] || fail "nr.args=$NR_ARGS not readable on the host root"
[ -n "$NR_DISK" ] && [ -d "$N$NR_DISK" ] || fail "nr.disk=$NR_DISK is not a directory on the host root"
mount -t proc proc $N/proc && mount -t sysfs sys $N/sys && mount -t devtmpfs dev $N/dev || fail "mount proc/sys/dev"
# the JVM's only writable place besides the disk (java.io.tmpdir); /tmp stays the host's, read-only
mount -t tmpfs -o mode=1777 tmp $N/var/tmp || fail "mount tmpfs on /var/tmp"

# Writeback held back: nothing reaches the disk unless the server asks for it (fsync, or a journal
# commit that an fsync forces). What was only written, not synced, is in the guest's page cache when
# QEMU is killed, and is lost as in a power cut. ext4 commit=600: no periodic journal commit in the
# test's lifetime either.
echo 0 > /proc/sys/vm/dirty_writeback_centisecs
echo 360000 > /proc/sys/vm/dirty_expire_centisecs
echo 50 > /proc/sys/vm/dirty_background_ratio
echo 80 > /proc/sys/vm/dirty_ratio
i=0
while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
mount -t ext4 -o commit=600 /dev/vda "$N$NR_DISK" || fail "mount /dev/vda (ext4) on $NR_DISK"
echo "NETRESCUE-POWERCUT-DISK uptime=$(cut -d' ' -f1 /proc/uptime) $(grep " $N$NR_DISK " /proc/mounts)"

echo "NETRESCUE-POWERCUT-JAVA uptime=$(cut -d' ' -f1 /proc/uptime)"
chroot $N "$NR_JAVA" "@$NR_ARGS" </dev/null
echo "NETRESCUE-POWERCUT-EXITED status=$?"
while :; do sleep 1; done
INIT
chmod 755 "$R/init"

pack_guest "$OUT"
cat > "$OUT/guest.env" <<EOF
KVER=$KVER
INITRD_SHA256=$(sha256sum "$OUT/initrd.gz" | cut -d' ' -f1)
EOF
info "wrote $OUT/vmlinuz $OUT/initrd.gz ($(stat -c %s "$OUT/initrd.gz") bytes)"
