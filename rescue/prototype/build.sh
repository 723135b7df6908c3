#!/bin/bash
# netrescue rescue image prototype: Debian bookworm rootfs with mmdebstrap -> two delivery forms
#   out/vmlinuz                  Debian kernel (linux-image-amd64, taken from the rootfs)
#   out/rescue.cpio.$COMP        (a) everything in one initramfs
#   out/stage1.cpio.gz + out/root.sqfs   (b) small busybox initramfs that fetches root.sqfs over HTTP
# Idempotent + cached: the build is skipped when the cache key (resolved package versions + this
# script + files/ + mmdebstrap version + SOURCE_DATE_EPOCH + COMP) is unchanged. FORCE=1 rebuilds.
# Needs root, mmdebstrap, squashfs-tools, cpio, zstd/xz. Debs are cached in cache/ between builds.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-$HERE/out}; CACHE=${CACHE:-$HERE/cache}; WORK=${WORK:-$HERE/work}
SUITE=${SUITE:-bookworm}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SECMIRROR=${SECMIRROR:-http://deb.debian.org/debian-security}
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1735689600}   # 2025-01-01T00:00:00Z, fixed on purpose
COMP=${COMP:-zstd}          # zstd | xz | gzip  (compressor of the all-in-one initramfs)
MODCOMP=${MODCOMP:-zstd}    # none | zstd | xz : compress each .ko in the rootfs (kmod 30 has +ZSTD +XZ):
                            # ~3x less unpacked RAM for the initramfs form, about the same download
SLIM=${SLIM:-1}             # 1: force-remove python3 (only xfs_scrub_all needs it) and libicu72 (only
                            # xfs_scrub) that xfsprogs drags in: -70 MB unpacked
FORCE=${FORCE:-0}
export LC_ALL=C.UTF-8 TZ=UTC
log() { echo "[$(date +%T)] $*" >&2; }
T0=$(date +%s.%N); el() { printf '%.1f' "$(echo "$(date +%s.%N) - $T0" | bc)"; }

PKGS=(linux-image-amd64 openssh-server busybox e2fsprogs xfsprogs btrfs-progs dosfstools mdadm lvm2
      cryptsetup parted gdisk smartmontools nvme-cli rsync curl ca-certificates kmod
      tiny-initramfs)   # tiny-initramfs satisfies the kernel's "initramfs-tools | linux-initramfs-tool"
                        # dependency with a 150 KB tool instead of initramfs-tools+mkinitramfs run
SOURCES=("deb $MIRROR $SUITE main" "deb $MIRROR $SUITE-updates main" "deb $SECMIRROR $SUITE-security main")
# module trees a rescue system does not need (sound, GPUs, cameras, Wi-Fi, Bluetooth, ...)
MODX=(sound drivers/gpu drivers/media drivers/net/wireless drivers/infiniband drivers/iio
      drivers/staging drivers/comedi drivers/isdn drivers/bluetooth net/bluetooth net/mac80211
      net/wireless drivers/net/can net/can drivers/target drivers/video drivers/w1 drivers/nfc net/nfc
      drivers/net/wwan drivers/input/touchscreen drivers/input/joystick drivers/input/misc
      drivers/hid/intel-ish-hid drivers/usb/gadget drivers/mfd drivers/leds drivers/mtd drivers/net/ieee802154
      net/ieee802154 drivers/net/wan drivers/atm net/atm drivers/net/hamradio drivers/net/arcnet)
COMMON=(--variant=minbase --mode=root --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr
  --aptopt='APT::Install-Recommends "false"'
  --include="$(IFS=,; echo "${PKGS[*]}")"
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*'
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright'
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias'
  --dpkgopt='path-exclude=/usr/share/lintian/*' --dpkgopt='path-exclude=/usr/share/bash-completion/*'
  --dpkgopt='path-exclude=/usr/share/zsh/*' --dpkgopt='path-exclude=/usr/lib/x86_64-linux-gnu/gconv/*'
  --dpkgopt='path-exclude=/boot/System.map-*')
for m in "${MODX[@]}"; do COMMON+=(--dpkgopt="path-exclude=/lib/modules/*/kernel/$m/*"); done

mkdir -p "$OUT" "$CACHE" "$WORK"

# ---- 1. resolve package versions (no download of debs, ~5 s) and compute the cache key ----
log "resolving package set ($SUITE from $MIRROR)"
mmdebstrap --verbose --simulate "${COMMON[@]}" "$SUITE" /dev/null "${SOURCES[@]}" 2>"$WORK/simulate.log" >&2 || {
  tail -20 "$WORK/simulate.log"; exit 1; }
grep '^Inst ' "$WORK/simulate.log" | sed -E 's/^Inst ([^ ]+) \(([^ ]+) .*/\1=\2/' | sort -u > "$WORK/resolved.txt"
key() {  # $1 = package list file
  { cat "$1"; mmdebstrap --version; echo "SDE=$SOURCE_DATE_EPOCH COMP=$COMP MODCOMP=$MODCOMP SLIM=$SLIM";
    cat "$HERE/build.sh" "$HERE"/files/*; } | sha256sum | cut -d' ' -f1; }
KEY=$(key "$WORK/resolved.txt")
ART=("$OUT/vmlinuz" "$OUT/rescue.cpio.$COMP" "$OUT/stage1.cpio.gz" "$OUT/root.sqfs")
if [ "$FORCE" != 1 ] && [ -f "$OUT/KEY" ] && [ "$(cat "$OUT/KEY")" = "$KEY" ] && ls "${ART[@]}" >/dev/null 2>&1; then
  log "up to date (key $KEY), nothing to do ($(el) s)"; exit 0
fi
log "building, key $KEY ($(wc -l < "$WORK/resolved.txt") packages)"

# ---- 2. mmdebstrap into a directory; debs cached in $CACHE ----
R=$WORK/rootfs; rm -rf "$R"; mkdir -p "$R"
mmdebstrap "${COMMON[@]}" --format=directory --skip=essential/unlink \
  --setup-hook='mkdir -p "$1"/var/cache/apt/archives/' \
  --setup-hook="sync-in $CACHE /var/cache/apt/archives/" \
  --customize-hook="sync-out /var/cache/apt/archives $CACHE" \
  --customize-hook='rm -f "$1"/var/cache/apt/archives/*.deb' \
  --verbose "$SUITE" "$R" "${SOURCES[@]}" 2>&1 | while IFS= read -r l; do echo "[+$(el)s] $l"; done > "$WORK/mmdebstrap.log"
log "mmdebstrap done ($(el) s): $(du -sm "$R" | cut -f1) MB"
chroot "$R" dpkg-query -W -f '${Package}=${Version}\n' | sort > "$WORK/installed.txt"
# NB: the key stays the one from the simulation (hooks such as merged-usr do not run in --simulate,
# so its list differs slightly from installed.txt; it is only compared with itself). out/packages.txt
# records what really got installed.

# ---- 3. post-process: no secrets, no non-reproducible state, strip ----
KVER=$(basename "$(ls -d "$R"/lib/modules/*)")
cp "$R/boot/vmlinuz-$KVER" "$OUT/vmlinuz.tmp"
rm -rf "$R"/boot/* "$R"/etc/ssh/ssh_host_* \
       "$R"/var/cache/ldconfig/aux-cache "$R"/var/log/* "$R"/var/cache/debconf/*-old \
       "$R"/var/lib/dpkg/*-old "$R"/usr/lib/udev/hwdb.bin "$R"/etc/udev/hwdb.bin \
       "$R"/var/lib/apt/lists/* "$R"/var/cache/apt/*.bin
: > "$R/etc/machine-id"                       # empty: generated at boot if anything needs it
echo rescue > "$R/etc/hostname"
rm -f "$R/etc/resolv.conf"; : > "$R/etc/resolv.conf"
if [ "$SLIM" = 1 ]; then
  rm -f "$R"/var/lib/dpkg/info/{python3,python3-minimal,python3.11,python3.11-minimal}.{prerm,postrm}   # py3clean needs python
  chroot "$R" dpkg --purge --force-depends python3 python3-minimal python3.11 python3.11-minimal \
    libpython3-stdlib libpython3.11-stdlib libpython3.11-minimal media-types libicu72 >/dev/null
  rm -rf "$R"/var/log/* "$R"/var/lib/dpkg/*-old
fi
case "$MODCOMP" in
  zstd) find "$R/lib/modules/$KVER" -name '*.ko' -print0 | xargs -0r zstd -q -19 -T1 --rm ;;
  xz)   find "$R/lib/modules/$KVER" -name '*.ko' -print0 | xargs -0r xz --check=crc32 -9 -T1 ;;
esac
log "post-processed ($(el) s): $(du -sm --apparent-size "$R" | cut -f1) MB apparent"
chroot "$R" depmod -a "$KVER"                # module list changed by path-exclude
install -D -m 0755 "$HERE/files/init" "$R/init"
install -D -m 0755 "$HERE/files/udhcpc.script" "$R/etc/rescue/udhcpc.script"
install -D -m 0644 "$HERE/files/netup.sh" "$R/etc/rescue/netup.sh"
install -D -m 0644 "$HERE/files/inittab" "$R/etc/inittab"
cat > "$R/etc/ssh/sshd_config.d/rescue.conf" <<'EOF'
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
EOF
# per-install state that must not be shared by every booted machine / breaks reproducibility:
# nvme-cli's postinst writes a random hostnqn/hostid (generated at boot by /init instead);
# ldconfig's aux-cache is rewritten by every ldconfig trigger (e.g. the SLIM purge above)
rm -f "$R"/etc/nvme/hostnqn "$R"/etc/nvme/hostid "$R"/var/cache/ldconfig/aux-cache
# clamp every mtime to SOURCE_DATE_EPOCH (files written by maintainer scripts carry the build time)
find "$R" -newermt "@$SOURCE_DATE_EPOCH" -print0 | xargs -0r touch --no-dereference --date="@$SOURCE_DATE_EPOCH"

# ---- 4a. all-in-one initramfs: sorted newc cpio, fixed mtimes, compressed ----
mkcpio() { (cd "$1" && find . -mindepth 1 -print0 | sort -z | cpio --quiet --null --reproducible -o -H newc); }
compress() { case "$COMP" in
  zstd) zstd -q -${ZLEVEL:-15} -T1 ;; xz) xz --check=crc32 -9 -T1 ;; gzip) gzip -n -9 ;; esac; }
t=$(date +%s.%N)
mkcpio "$R" | compress > "$OUT/rescue.cpio.$COMP.tmp"
log "initramfs $COMP: $(stat -c%s "$OUT/rescue.cpio.$COMP.tmp") B in $(printf %.1f "$(echo "$(date +%s.%N) - $t" | bc)") s"

# ---- 4b. squashfs root + small stage-1 initramfs (busybox + NIC/loop/squashfs/overlay modules) ----
t=$(date +%s.%N)
mksquashfs "$R" "$OUT/root.sqfs.tmp" -noappend -comp zstd -Xcompression-level ${ZLEVEL:-15} -b 1M -processors 1 -quiet >/dev/null
log "squashfs zstd: $(stat -c%s "$OUT/root.sqfs.tmp") B in $(printf %.1f "$(echo "$(date +%s.%N) - $t" | bc)") s"
S=$WORK/stage1; rm -rf "$S"; mkdir -p "$S"/{bin,proc,sys,dev,run,etc/rescue,newroot,lib/modules/$KVER}
cp "$R/bin/busybox" "$S/bin/busybox"
for l in $(chroot "$R" ldd /bin/busybox | grep -o '/[^ ]*'); do    # dynamic busybox: + libc, ld.so
  mkdir -p "$S$(dirname "$l")"; chroot "$R" cat "$l" > "$S$l"; chmod 0755 "$S$l"; done
S1MODS="virtio_pci virtio_net e1000 e1000e igb igc ixgbe i40e ice bnxt_en tg3 bnx2 bnx2x r8169 loop squashfs overlay"
for f in $(chroot "$R" modprobe -S "$KVER" --show-depends -a $S1MODS | awk '$1=="insmod"{print $2}' | sort -u); do
  case "$f" in   # busybox modprobe cannot read .ko.zst: store plain .ko (the cpio is gzipped anyway)
    *.zst) mkdir -p "$S$(dirname "$f")"; zstd -q -d -c "$R$f" > "$S${f%.zst}" ;;
    *.xz)  mkdir -p "$S$(dirname "$f")"; xz -d -c "$R$f" > "$S${f%.xz}" ;;
    *)     install -D -m 0644 "$R$f" "$S$f" ;; esac; done
cp "$R/lib/modules/$KVER"/modules.{order,builtin,builtin.modinfo} "$S/lib/modules/$KVER/"
depmod -b "$S" "$KVER"
install -m 0755 "$HERE/files/stage1-init" "$S/init"
install -m 0755 "$HERE/files/udhcpc.script" "$S/etc/rescue/udhcpc.script"
install -m 0644 "$HERE/files/netup.sh" "$S/etc/rescue/netup.sh"
find "$S" -print0 | xargs -0r touch --no-dereference --date="@$SOURCE_DATE_EPOCH"
mkcpio "$S" | gzip -n -9 > "$OUT/stage1.cpio.gz.tmp"
log "stage1 initramfs: $(stat -c%s "$OUT/stage1.cpio.gz.tmp") B"

for a in vmlinuz "rescue.cpio.$COMP" stage1.cpio.gz root.sqfs; do mv "$OUT/$a.tmp" "$OUT/$a"; done
cp "$WORK/installed.txt" "$OUT/packages.txt"
echo "$KEY" > "$OUT/KEY"
(cd "$OUT" && sha256sum vmlinuz "rescue.cpio.$COMP" stage1.cpio.gz root.sqfs > SHA256SUMS)
log "done in $(el) s; rootfs $(du -sm --apparent-size "$R" | cut -f1) MB apparent"
cat "$OUT/SHA256SUMS" >&2
