#!/usr/bin/env bash
# Benchmark: the rescue image (issue 13) against the floor (the same Debian kernel with a busybox
# initramfs that only announces itself), side by side in one script.
#
#   sudo bench/rescue-image.sh
#
# 1. Builds the rescue image with `netrescue rescue image build` into a fresh data dir: cold (empty
#    output; the .deb cache given by CACHE, default a fresh one, so the debs download too) and again
#    unchanged (cached). Prints both times, the image's sizes compressed and unpacked.
# 2. Boots it in QEMU TCG (direct kernel boot; QEMU's user-mode network with restrict=on gives it DHCP
#    and nothing else; no netrescue server, so it starts sshd without credentials) RUNS times at each
#    memory size in MEMS, timing QEMU start -> "RESCUE-READY" (sshd up) on the serial console; a size
#    where it panics, runs out of memory or does not get there counts as failed.
# 3. Boots the floor the same way: the image's own kernel, a busybox initramfs whose /init prints a
#    marker. Prints medians and the ratio rescue/floor.
# Everything lives in one temporary directory, removed on exit (KEEP=1 keeps it).
#
# Knobs: RUNS=3, MEMS="1024 768 640 512", CACHE=DIR (a .deb cache to reuse: the cold figure then excludes
# downloads), TIMEOUT=120 (s per boot), KEEP=1.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
RUNS="${RUNS:-3}"
MEMS="${MEMS:-1024 768 640 512}"
TIMEOUT="${TIMEOUT:-120}"

say() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { printf 'rescue-image.sh: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (mmdebstrap builds the image as root)"
for t in qemu-system-x86_64 mmdebstrap zstd cpio busybox bc; do command -v "$t" >/dev/null || die "$t not found (sudo .ci/install-deps)"; done
file -L "$(command -v busybox)" | grep -q 'statically linked' || die "busybox is not statically linked (apt-get install busybox-static)"

tmp="$(mktemp -d /tmp/nr-rescue-bench.XXXXXX)"
cleanup() { pkill -f "$tmp/" 2>/dev/null || true; [ "${KEEP:-0}" = 1 ] && say "kept $tmp" || rm -rf "$tmp"; }
trap cleanup EXIT
cache="${CACHE:-$tmp/cache}"
data="$tmp/data"

# --- 1. build: cold, then cached --------------------------------------------------------------
now() { date +%s.%N; }
t0=$(now)
"$repo/netrescue" rescue image build --data "$data" --cache "$cache" > "$tmp/build-cold.log" 2>&1 || { tail -20 "$tmp/build-cold.log"; die "cold build failed"; }
t1=$(now)
"$repo/netrescue" rescue image build --data "$data" --cache "$cache" > "$tmp/build-cached.log" 2>&1 || { tail -20 "$tmp/build-cached.log"; die "cached build failed"; }
t2=$(now)
cold=$(echo "$t1 - $t0" | bc); cached=$(echo "$t2 - $t1" | bc)
key="$(cat "$data/assets/rescue/CURRENT")"
img="$data/assets/rescue/$key"
mb() { echo "scale=1; $(stat -c %s "$@" | paste -sd+ | bc) / 1000000" | bc; }
unpacked() { zstd -dc "$1" | cpio -it --quiet -v 2>/dev/null | awk '{s += $5} END {printf "%.1f", s / 1000000}'; }
say "image $key: cold build ${cold} s, cached ${cached} s"

# --- 2/3. boots -------------------------------------------------------------------------------
cat "$img/rescue.cpio.zst" "$img/agent.cpio.zst" > "$tmp/rescue-initrd"
mkdir -p "$tmp/floor/bin" "$tmp/floor/dev"
cp "$(command -v busybox)" "$tmp/floor/bin/busybox"
printf '#!/bin/busybox sh\n/bin/busybox mount -t devtmpfs dev /dev\necho FLOOR-READY > /dev/ttyS0\nexec /bin/busybox sleep 3600\n' > "$tmp/floor/init"
chmod 0755 "$tmp/floor/init"
(cd "$tmp/floor" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | zstd -q -19 > "$tmp/floor-initrd")

# boot KIND MEM: seconds from QEMU start to the marker, or "fail"
boot() {
  local initrd=$1 marker=$2 mem=$3 log="$tmp/boot-$RANDOM.log"
  local start; start=$(now)
  qemu-system-x86_64 -accel tcg -m "$mem" -smp 1 -nographic -no-reboot \
    -nic user,model=virtio-net-pci,restrict=on,mac=52:54:00:12:34:56 \
    -kernel "$img/vmlinuz" -initrd "$initrd" -append "console=ttyS0,115200n8 panic=-1 loglevel=4 rescue.mac=52:54:00:12:34:56" \
    -serial "file:$log" -monitor none -display none > /dev/null 2>&1 &
  local pid=$! end=$(( $(date +%s) + TIMEOUT ))
  while [ "$(date +%s)" -lt "$end" ]; do
    if grep -aq "$marker" "$log" 2>/dev/null; then echo "$(now) - $start" | bc; kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; return; fi
    # not enough RAM shows as a panic, the OOM killer, or an initramfs that does not fit its tmpfs
    if grep -aqE "Kernel panic|Out of memory|Initramfs unpacking failed|No space left on device" "$log" 2>/dev/null || ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
  echo fail
}
median() { LC_ALL=C sort -g | awk '{a[NR] = $1} END {if (NR == 0) print "fail"; else if (NR % 2) print a[(NR + 1) / 2]; else printf "%.2f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

declare -A rescue floor
for mem in $MEMS; do
  r=(); f=()
  for i in $(seq "$RUNS"); do
    r+=("$(boot "$tmp/rescue-initrd" RESCUE-READY "$mem")")
    f+=("$(boot "$tmp/floor-initrd" FLOOR-READY "$mem")")
  done
  say "$mem MiB: rescue ${r[*]} s, floor ${f[*]} s"
  ok_r=$(printf '%s\n' "${r[@]}" | grep -v fail || true); ok_f=$(printf '%s\n' "${f[@]}" | grep -v fail || true)
  rescue[$mem]=$( [ "$(printf '%s\n' "${r[@]}" | grep -c fail)" = 0 ] && echo "$ok_r" | median || echo "fail ($(printf '%s\n' "${r[@]}" | grep -c fail)/$RUNS)")
  floor[$mem]=$( [ "$(printf '%s\n' "${f[@]}" | grep -c fail)" = 0 ] && echo "$ok_f" | median || echo "fail")
done

# --- report -----------------------------------------------------------------------------------
echo
echo "rescue image $key ($(date -u +%F), $(nproc) cores, $(qemu-system-x86_64 --version | head -1))"
echo "| | figure |"
echo "|---|---|"
echo "| compressed: kernel + rescue + agent initramfs | $(mb "$img/vmlinuz") + $(mb "$img/rescue.cpio.zst") + $(mb "$img/agent.cpio.zst") = $(mb "$img/vmlinuz" "$img/rescue.cpio.zst" "$img/agent.cpio.zst") MB |"
echo "| unpacked: rescue + agent | $(unpacked "$img/rescue.cpio.zst") + $(unpacked "$img/agent.cpio.zst") MB |"
r1() { case "$1" in *fail*) echo "$1";; *) printf '%.1f' "$1";; esac; }
echo "| build: cold / cached | $(r1 "$cold") s / $(r1 "$cached") s |"
for mem in $MEMS; do
  ratio=$(case "${rescue[$mem]}${floor[$mem]}" in *fail*) echo "-";; *) echo "scale=2; ${rescue[$mem]} / ${floor[$mem]}" | bc;; esac)
  echo "| ${mem} MiB: QEMU start -> sshd up (rescue) / -> init (floor), median of $RUNS | $(r1 "${rescue[$mem]}") s / $(r1 "${floor[$mem]}") s (x$ratio) |"
done
