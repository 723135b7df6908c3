#!/bin/bash
# netrescue rescue image: a Debian root built with mmdebstrap from Debian packages, delivered as one
# zstd initramfs (measured against a squashfs fetched over HTTP: faster to SSH, see docs/rescue.md)
# plus a second initramfs with the netrescue agent. Run by `netrescue rescue image build`, as root.
#   $OUT/vmlinuz  $OUT/rescue.cpio.zst  $OUT/agent.cpio.zst  $OUT/packages.txt  $OUT/SHA256SUMS  $OUT/KEY
# Cached: skipped when the key (resolved package versions + these files + settings + host tools) is
# unchanged. The same inputs give the same bytes (SOURCE_DATE_EPOCH, sorted cpio, clamped mtimes).
# Inputs (environment, validated by the caller): OUT WORK CACHE SUITE MIRROR SECMIRROR INCLUDE AGENT FORCE
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
: "${OUT:?}" "${WORK:?}" "${CACHE:?}"
SUITE=${SUITE:-bookworm}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SECMIRROR=${SECMIRROR:-http://deb.debian.org/debian-security}
INCLUDE=${INCLUDE:-}        # extra packages, space separated
AGENT=${AGENT:-}            # the agent archive's directory (bin/ lib/ runtime/); empty: no agent initramfs
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1735689600}   # 2025-01-01T00:00:00Z, fixed on purpose
FORCE=${FORCE:-0}
export LC_ALL=C.UTF-8 TZ=UTC
T0=$(date +%s%N)
el() { echo "$(( ($(date +%s%N) - T0) / 100000000 ))" | sed -E 's/([0-9])$/.\1/; s/^\./0./'; }
log() { echo "[$(el) s] $*"; }
for p in $INCLUDE; do [[ "$p" =~ ^[a-z0-9][a-z0-9+.-]{0,62}$ ]] || { echo "not a Debian package name: $p" >&2; exit 2; }; done
for t in mmdebstrap cpio zstd chroot; do command -v "$t" >/dev/null || { echo "needs $t (apt-get install mmdebstrap cpio zstd)" >&2; exit 3; }; done

PKGS=(linux-image-amd64 openssh-server busybox e2fsprogs xfsprogs btrfs-progs dosfstools mdadm lvm2
      cryptsetup parted gdisk fdisk smartmontools nvme-cli rsync curl ca-certificates kmod procps zstd xz-utils
      tiny-initramfs)   # tiny-initramfs satisfies the kernel's "initramfs-tools | linux-initramfs-tool"
                        # dependency with a 150 KB tool instead of initramfs-tools and a mkinitramfs run
PKGS+=($INCLUDE)
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
mkcpio() { (cd "$1" && find . -mindepth 1 -print0 | LC_ALL=C sort -z | cpio --quiet --null --reproducible -o -H newc); }

# ---- the agent initramfs: its own key, rebuilt in seconds when only the agent changed ----
agent_cpio() {
  if [ -z "$AGENT" ]; then rm -f "$OUT/agent.cpio.zst" "$OUT/AGENT_KEY"; return; fi
  [ -x "$AGENT/bin/netrescue-agent" ] && [ -x "$AGENT/runtime/bin/java" ] || { echo "no agent archive in $AGENT" >&2; exit 4; }
  local akey; akey=$( { cd "$AGENT" && find bin lib runtime VERSION -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum; cat "$HERE/build.sh"; } | sha256sum | cut -d' ' -f1)
  if [ "$FORCE" != 1 ] && [ -f "$OUT/agent.cpio.zst" ] && [ "$(cat "$OUT/AGENT_KEY" 2>/dev/null)" = "$akey" ]; then return; fi
  local A=$WORK/agent; rm -rf --one-file-system "$A"; mkdir -p "$A/opt"
  cp -a "$AGENT" "$A/opt/netrescue-agent"; rm -rf --one-file-system "$A/opt/netrescue-agent/systemd"
  find "$A" -print0 | xargs -0r touch --no-dereference --date="@$SOURCE_DATE_EPOCH"
  mkcpio "$A" | zstd -q -15 -T1 > "$OUT/agent.cpio.zst.tmp"; mv "$OUT/agent.cpio.zst.tmp" "$OUT/agent.cpio.zst"
  echo "$akey" > "$OUT/AGENT_KEY"
  log "agent initramfs: $(stat -c%s "$OUT/agent.cpio.zst") B"
}
finish() {
  agent_cpio
  local files=(vmlinuz rescue.cpio.zst); [ -f "$OUT/agent.cpio.zst" ] && files+=(agent.cpio.zst)
  (cd "$OUT" && sha256sum "${files[@]}" > SHA256SUMS.tmp && mv SHA256SUMS.tmp SHA256SUMS)
  { cat "$OUT/BASE_KEY"; cat "$OUT/AGENT_KEY" 2>/dev/null || true; } | sha256sum | cut -d' ' -f1 > "$OUT/KEY"
}

# ---- 1. resolve package versions (no debs downloaded, a few seconds) and compute the cache key ----
log "resolving the package set ($SUITE from $MIRROR)"
mmdebstrap --verbose --simulate "${COMMON[@]}" "$SUITE" /dev/null "${SOURCES[@]}" 2>"$WORK/simulate.log" >&2 || {
  tail -20 "$WORK/simulate.log" >&2; echo "cannot resolve the package set (mirror $MIRROR reachable? package names right?)" >&2; exit 5; }
grep '^Inst ' "$WORK/simulate.log" | sed -E 's/^Inst ([^ ]+) \(([^ ]+) .*/\1=\2/' | LC_ALL=C sort -u > "$WORK/resolved.txt"
# NB: hooks do not run in --simulate (its list shows usrmerge where the build gets usr-is-merged): the
# key is only ever compared with itself; packages.txt records what really got installed.
KEY=$( { cat "$WORK/resolved.txt"; mmdebstrap --version; dpkg-query -W zstd cpio kmod 2>/dev/null || true
         echo "SDE=$SOURCE_DATE_EPOCH SUITE=$SUITE"; cat "$HERE"/*; } | sha256sum | cut -d' ' -f1)
if [ "$FORCE" != 1 ] && [ "$(cat "$OUT/BASE_KEY" 2>/dev/null)" = "$KEY" ] && [ -f "$OUT/vmlinuz" ] && [ -f "$OUT/rescue.cpio.zst" ]; then
  finish; log "up to date (base $KEY)"; exit 0
fi
log "building $(wc -l < "$WORK/resolved.txt") packages (base key $KEY)"

# ---- 2. mmdebstrap into a directory; debs cached in $CACHE between builds ----
# --one-file-system: should anything still be mounted in there (the caller unmounted what it found), fail
# rather than empty it. The caller runs this script in its own PID and mount namespaces: mmdebstrap's
# mounts vanish with them, and so does every process of the build if the caller dies.
R=$WORK/rootfs; rm -rf --one-file-system "$R"; mkdir -p "$R"
mmdebstrap "${COMMON[@]}" --format=directory --skip=essential/unlink \
  --setup-hook='mkdir -p "$1"/var/cache/apt/archives/' \
  --setup-hook="sync-in $CACHE /var/cache/apt/archives/" \
  --customize-hook="sync-out /var/cache/apt/archives $CACHE" \
  --customize-hook='rm -f "$1"/var/cache/apt/archives/*.deb' \
  --verbose "$SUITE" "$R" "${SOURCES[@]}" > "$WORK/mmdebstrap.log" 2>&1 || {
  tail -30 "$WORK/mmdebstrap.log" >&2; echo "mmdebstrap failed (full log: $WORK/mmdebstrap.log)" >&2; exit 6; }
log "mmdebstrap done: $(du -sm "$R" | cut -f1) MB"
chroot "$R" dpkg-query -W -f '${Package}=${Version}\n' | LC_ALL=C sort > "$WORK/installed.txt"

# ---- 3. post-process: no secrets, no per-install state, nothing non-reproducible ----
KVER=$(basename "$(ls -d "$R"/lib/modules/*)")
cp "$R/boot/vmlinuz-$KVER" "$OUT/vmlinuz.tmp"
rm -rf --one-file-system "$R"/boot/* "$R"/etc/ssh/ssh_host_* \
       "$R"/var/cache/ldconfig/aux-cache "$R"/var/log/* "$R"/var/cache/debconf/*-old \
       "$R"/var/lib/dpkg/*-old "$R"/usr/lib/udev/hwdb.bin "$R"/etc/udev/hwdb.bin \
       "$R"/var/lib/apt/lists/* "$R"/var/cache/apt/*.bin
: > "$R/etc/machine-id"                       # empty: nothing per-machine is baked in
echo rescue > "$R/etc/hostname"
rm -f "$R/etc/resolv.conf"; : > "$R/etc/resolv.conf"
# xfsprogs drags in python3 (only xfs_scrub_all) and libicu72 (only xfs_scrub): 70 MB unpacked.
# xfs_repair, mkfs.xfs and xfs_db do not need them. py3clean in their prerm needs python: move it aside.
if chroot "$R" dpkg-query -W python3 >/dev/null 2>&1 && [ -z "$(echo " $INCLUDE " | grep -E ' (python3[^ ]*|libicu72) ')" ]; then
  rm -f "$R"/var/lib/dpkg/info/{python3,python3-minimal,python3.11,python3.11-minimal}.{prerm,postrm}
  chroot "$R" dpkg --purge --force-depends python3 python3-minimal python3.11 python3.11-minimal \
    libpython3-stdlib libpython3.11-stdlib libpython3.11-minimal media-types libicu72 >/dev/null 2>&1 || true
  rm -rf --one-file-system "$R"/var/log/* "$R"/var/lib/dpkg/*-old
fi
# each module zstd-compressed (kmod reads .ko.zst): 150 MB less RAM once unpacked, same download
find "$R/lib/modules/$KVER" -name '*.ko' -print0 | xargs -0r -P"$(nproc)" -n 64 zstd -q -19 -T1 --rm
chroot "$R" depmod -a "$KVER"                 # the module list changed (path-exclude, .zst)
install -D -m 0755 "$HERE/init" "$R/init"
install -D -m 0755 "$HERE/udhcpc.script" "$R/etc/rescue/udhcpc.script"
install -D -m 0644 "$HERE/netup.sh" "$R/etc/rescue/netup.sh"
install -D -m 0755 "$HERE/watch.sh" "$R/etc/rescue/watch.sh"
install -D -m 0755 "$HERE/agent.sh" "$R/etc/rescue/agent.sh"
install -D -m 0644 "$HERE/inittab" "$R/etc/inittab"
cat > "$R/etc/ssh/sshd_config.d/rescue.conf" <<'CONF'
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
CONF
# no udev runs here: LVM and device-mapper must not wait for it
printf 'export DM_DISABLE_UDEV=1\n' > "$R/etc/profile.d/rescue.sh"
# per-install state that must not be shared by every machine booting this image: nvme-cli's postinst
# writes a random hostnqn/hostid (/init generates them per boot); ldconfig's aux-cache is rewritten by triggers
rm -f "$R"/etc/nvme/hostnqn "$R"/etc/nvme/hostid "$R"/var/cache/ldconfig/aux-cache
# clamp every mtime to SOURCE_DATE_EPOCH (maintainer scripts wrote files at build time)
find "$R" -newermt "@$SOURCE_DATE_EPOCH" -print0 | xargs -0r touch --no-dereference --date="@$SOURCE_DATE_EPOCH"
log "post-processed: $(du -sm --apparent-size "$R" | cut -f1) MB apparent"

# ---- 4. one initramfs: sorted newc cpio, fixed mtimes, zstd -15 (unpacks as fast as -19, 4x faster to make) ----
mkcpio "$R" | zstd -q -15 -T1 > "$OUT/rescue.cpio.zst.tmp"
mv "$OUT/vmlinuz.tmp" "$OUT/vmlinuz"; mv "$OUT/rescue.cpio.zst.tmp" "$OUT/rescue.cpio.zst"
cp "$WORK/installed.txt" "$OUT/packages.txt"
echo "$KVER" > "$OUT/KERNEL"
echo "$KEY" > "$OUT/BASE_KEY"
log "initramfs: $(stat -c%s "$OUT/rescue.cpio.zst") B; kernel $KVER"
finish
rm -rf --one-file-system "$R"
log "done"
