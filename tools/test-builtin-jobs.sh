#!/bin/bash
# Tests the built-in jobs (server/src/main/resources/io/netrescue/job/builtin/*.sh)
# for real, on loop devices, as root, inside a private mount namespace.
# Needs: losetup, sgdisk, mkfs.ext4, mkfs.vfat, debugfs, e2fsck, fsck.fat,
# busybox (static), python3, jq, curl, gzip, xz, zstd; optional: mkfs.xfs,
# shellcheck, checkbashisms.  Usage: sudo tools/test-builtin-jobs.sh
set -u
if [ "$(id -u)" != 0 ]; then echo "run as root" >&2; exit 2; fi
if [ -z "${NETRESCUE_JOBS_TEST_NS-}" ]; then
    NETRESCUE_JOBS_TEST_NS=1 exec unshare -m --propagation private bash "$0" "$@"
fi

here=$(cd "$(dirname "$0")/.." && pwd)
jobs=$here/server/src/main/resources/io/netrescue/job/builtin
W=$(mktemp -d /tmp/netrescue-jobs-test.XXXXXX)
loops=()
httppid=
fails=0
passes=0

cleanup() {
    [ -n "$httppid" ] && kill "$httppid" 2>/dev/null
    for m in $(findmnt -n -r -o TARGET | grep "^$W" | sort -r); do umount -l "$m" 2>/dev/null; done
    for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null; done
    rm -rf "$W"
}
trap cleanup EXIT

pass() { echo "PASS $*"; passes=$((passes + 1)); }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
# check NAME CMD...: PASS when CMD succeeds (its stdout is dropped).
check() { local name=$1; shift; if "$@" >/dev/null; then pass "$name"; else fail "$name"; return 1; fi; }
# checks NAME 'SHELL CONDITION' (evaluated here, for && chains of our own).
checks() { local name=$1; shift; if eval "$1" >/dev/null; then pass "$name"; else fail "$name"; return 1; fi; }
# newloop FILE: attaches FILE, sets $L (and remembers the device for the cleanup).
newloop() { L=$(losetup -f --show -P "$1") || { echo "losetup failed" >&2; exit 1; }; loops+=("$L"); }
# Partition nodes: some kernels (no GPT parser) need partx to add them.
parts() { partx -a "$1" 2>/dev/null || partx -u "$1" 2>/dev/null; udevadm settle 2>/dev/null; sleep 0.2; }
devsha() { blockdev --flushbufs "$1"; sha256sum <"$1" | cut -d ' ' -f 1; }
run() { # NAME-OF-OUTPUT SCRIPT [ENV...]: runs sh SCRIPT with only the env given, as the agent does
    local out=$1 script=$2; shift 2
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@" setsid /bin/sh "$jobs/$script" \
        </dev/null >"$W/$out.out" 2>"$W/$out.err"
    echo $? >"$W/$out.rc"
}
rc() { cat "$W/$1.rc"; }

echo "== static checks"
for s in disks fsck mount-root reinstall; do
    check "dash -n $s.sh" dash -n "$jobs/$s.sh"
    if command -v shellcheck >/dev/null; then check "shellcheck $s.sh" shellcheck -s sh -S warning "$jobs/$s.sh"; fi
    if command -v checkbashisms >/dev/null; then check "checkbashisms $s.sh" checkbashisms "$jobs/$s.sh"; fi
    check "$s.sh has a header" grep -q '^# Exit codes' "$jobs/$s.sh"
done

echo "== building the installed-system disk"
have_xfs=; command -v mkfs.xfs >/dev/null && have_xfs=1
have_vfat_kernel=; grep -qw vfat /proc/filesystems && have_vfat_kernel=1
truncate -s 1G "$W/sys.img"
sgdisk -o -n1:0:+128M -t1:8300 -c1:root -n2:0:+64M -t2:8300 -c2:boot -n3:0:+64M -t3:ef00 -c3:esp \
    ${have_xfs:+-n4:0:+400M -t4:8300 -c4:srv} "$W/sys.img" >/dev/null || exit 1
newloop "$W/sys.img"; A=$L; parts "$A"; ls "$A"*
mkdir -p "$W/rootfs"/{etc,sbin,bin,boot,srv,data,dev,proc,sys,run,tmp}
cp /usr/bin/busybox "$W/rootfs/bin/busybox"
ln -s busybox "$W/rootfs/bin/true"; ln -s busybox "$W/rootfs/bin/sh"; ln -s ../bin/busybox "$W/rootfs/sbin/init"
printf 'PRETTY_NAME="Test Linux 1"\nID=test\n' >"$W/rootfs/etc/os-release"
mkfs.ext4 -q -L boot-l'"\x' "${A}p2"
mkfs.vfat -n ESP "${A}p3" >/dev/null
[ -n "$have_xfs" ] && mkfs.xfs -q -L srv "${A}p4"
bootuuid=$(blkid -p -o value -s UUID "${A}p2"); espuuid=$(blkid -p -o value -s UUID "${A}p3")
{
    echo "# test fstab"
    echo "/dev/disk/by-uuid/0000-root / ext4 errors=remount-ro 0 1"
    echo "UUID=$bootuuid /boot ext4 defaults 0 2"
    echo "UUID=$espuuid /boot/efi vfat umask=0077 0 1"
    [ -n "$have_xfs" ] && echo "LABEL=srv /srv xfs defaults 0 2"
    echo "UUID=11111111-2222-3333-4444-555555555555 /data ext4 defaults 0 2"
    echo "/dev/sdz9 none swap sw 0 0"
    echo "tmpfs /tmp tmpfs defaults 0 0"
    echo "server:/export /mnt/nfs nfs defaults 0 0"
    echo "UUID=$bootuuid /noauto ext4 noauto 0 0"
} >"$W/rootfs/etc/fstab"
mkfs.ext4 -q -L 'root' -d "$W/rootfs" "${A}p1" || exit 1
rootuuid=$(blkid -p -o value -s UUID "${A}p1")

echo "== disks.sh"
run disks disks.sh DISKS_INCLUDE_LOOP=1
check "disks: exit 0" [ "$(rc disks)" = 0 ]
check "disks: valid JSON" python3 -m json.tool "$W/disks.out"
d=$(jq -c --arg p "$A" '.disks[] | select(.path == $p)' "$W/disks.out")
check "disks: lists $A" [ -n "$d" ]
check "disks: version 1 and collected_at" jq -e '.version == 1 and (.collected_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$"))' "$W/disks.out"
want='["ext4","ext4","vfat"'${have_xfs:+',"xfs"'}']'
check "disks: partitions' fstypes $want" [ "$(jq -c '[.partitions[].fstype]' <<<"$d")" = "$want" ]
check "disks: partition paths" [ "$(jq -r '.partitions[0].path' <<<"$d")" = "${A}p1" ]
check "disks: hostile label kept exactly" [ "$(jq -r '.partitions[1].label' <<<"$d")" = 'boot-l"\x' ]
check "disks: uuid" [ "$(jq -r '.partitions[0].uuid' <<<"$d")" = "$rootuuid" ]
check "disks: size_bytes" [ "$(jq -r '.size_bytes' <<<"$d")" = 1073741824 ]
check "disks: health none/null for a loop" jq -e '.health.tool == "none" and .health.passed == null and (.rotational|type) == "boolean"' <<<"$d"
check "disks: no fstype on the partitioned disk" jq -e '.fstype == null' <<<"$d"
check "disks: shape of every disk" jq -e 'all(.disks[]; (keys == (["name","path","model","serial","size_bytes","rotational","transport","health","partitions","fstype"]|sort)) and all(.partitions[]; keys == (["name","path","size_bytes","fstype","label","uuid","mountpoint"]|sort)))' "$W/disks.out"
check "disks: stderr only for progress (stdout is one line)" [ "$(wc -l <"$W/disks.out")" = 1 ]
run disks0 disks.sh
check "disks: loops left out by default" [ -z "$(jq -r --arg p "$A" '.disks[] | select(.path == $p) | .path' "$W/disks0.out")" ]

echo "== fsck.sh"
run fsck1 fsck.sh FSCK_DEVICES="$A"
check "fsck: all clean, exit 0" [ "$(rc fsck1)" = 0 ]
n=$((3 + ${have_xfs:+1}0 / 10))
check "fsck: $n filesystems clean in the summary" [ "$(grep -c ' clean ' "$W/fsck1.out")" = "$n" ]
check "fsck: summary header" grep -q '^DEVICE  *FSTYPE  *RESULT  *DETAIL' "$W/fsck1.out"
mkdir -p "$W/m"
mount "${A}p2" "$W/m"
run fsck2 fsck.sh FSCK_DEVICES="$A"
check "fsck: rw-mounted /boot skipped" grep -q "^${A}p2 .* skipped .*mounted read-write" "$W/fsck2.out"
check "fsck: exit 0 with a skipped one" [ "$(rc fsck2)" = 0 ]
umount "$W/m"
debugfs -w -R "sif /etc/os-release links_count 7" "${A}p1" >/dev/null 2>&1
before=$(devsha "$A")
run fsck3 fsck.sh FSCK_DEVICES="$A"
after=$(devsha "$A")
check "fsck: corrupted ext4 -> exit 1" [ "$(rc fsck3)" = 1 ]
check "fsck: corrupted ext4 -> errors" grep -q "^${A}p1 .* errors " "$W/fsck3.out"
check "fsck: the others still clean" [ "$(grep -c ' clean ' "$W/fsck3.out")" = "$((n - 1))" ]
check "fsck: not one byte written (sha256 of $A before = after)" [ "$before" = "$after" ]
e2fsck -fy "${A}p1" >/dev/null 2>&1
run fsck4 fsck.sh FSCK_DEVICES="$A; touch $W/pwned"
check "fsck: hostile FSCK_DEVICES refused (exit 2)" [ "$(rc fsck4)" = 2 ]
check "fsck: nothing executed" [ ! -e "$W/pwned" ]

echo "== mount-root.sh"
R=$W/xyz/root
pts_before=$(findmnt -n -o SOURCE,FSTYPE -M /dev/pts)
run mr1 mount-root.sh ROOT_MOUNT="$R" ROOT_SEARCH="$A"
check "mount-root: exit 0" [ "$(rc mr1)" = 0 ] || cat "$W/mr1.out" "$W/mr1.err"
check "mount-root: root is ${A}p1 rw" [ "$(findmnt -n -o SOURCE,OPTIONS -M "$R" | awk '{split($2,o,","); print $1, o[1]}')" = "${A}p1 rw" ]
check "mount-root: /boot is ${A}p2 (UUID=)" [ "$(findmnt -n -o SOURCE -M "$R/boot")" = "${A}p2" ]
if [ -n "$have_vfat_kernel" ]; then
    check "mount-root: /boot/efi is ${A}p3" [ "$(findmnt -n -o SOURCE -M "$R/boot/efi")" = "${A}p3" ]
else
    check "mount-root: /boot/efi (no vfat in this kernel) warned about" grep -q '/boot/efi.*failed' "$W/mr1.err"
fi
[ -n "$have_xfs" ] && check "mount-root: /srv is ${A}p4 (LABEL=, xfs)" [ "$(findmnt -n -o SOURCE -M "$R/srv")" = "${A}p4" ]
check "mount-root: the missing UUID is a warning" grep -q '11111111-2222-3333-4444-555555555555 on /data.*no such device' "$W/mr1.err"
check "mount-root: /data not mounted" [ -z "$(findmnt -n -M "$R/data")" ]
check "mount-root: noauto, swap, tmpfs, nfs not mounted" [ -z "$(findmnt -n -M "$R/noauto")$(findmnt -n -M "$R/tmp")$(findmnt -n -M "$R/mnt/nfs")" ]
checks "mount-root: proc, dev, sys, run" '[ -n "$(findmnt -n -M "$R/proc")" ] && [ -n "$(findmnt -n -M "$R/dev")" ] && [ -n "$(findmnt -n -M "$R/sys")" ] && [ -n "$(findmnt -n -M "$R/run")" ]'
check "mount-root: chroot works" chroot "$R" /bin/true
check "mount-root: chroot sees the system's os-release and /proc" [ "$(chroot "$R" /bin/sh -c 'cat /etc/os-release | head -n 1; test -e /proc/self/status && echo proc')" = "$(printf 'PRETTY_NAME="Test Linux 1"\nproc')" ]
check "mount-root: prints findmnt" grep -q "^$R " "$W/mr1.out"
run mr2 mount-root.sh ROOT_MOUNT="$R" ROOT_SEARCH="$A"
check "mount-root: second run exit 0" [ "$(rc mr2)" = 0 ]
check "mount-root: second run says already mounted" grep -q 'already mounted' "$W/mr2.out"
run mr3 mount-root.sh ROOT_MOUNT="$R" MOUNT_ROOT_UNMOUNT=1
check "mount-root: unmount exit 0" [ "$(rc mr3)" = 0 ]
check "mount-root: nothing left below $R" [ -z "$(findmnt -n -r -o TARGET | grep "^$R")" ]
check "mount-root: the rescue's own /dev/pts is still mounted" [ "$(findmnt -n -o SOURCE,FSTYPE -M /dev/pts)" = "$pts_before" ]
run mr4 mount-root.sh ROOT_MOUNT="$R" MOUNT_ROOT_UNMOUNT=1
check "mount-root: unmount again exit 0" [ "$(rc mr4)" = 0 ]
run mr5 mount-root.sh ROOT_MOUNT="$R" ROOT_DEVICE="${A}p2"
check "mount-root: ROOT_DEVICE=/boot -> no root, exit 1" [ "$(rc mr5)" = 1 ]
check "mount-root: lists what it probed" grep -q "${A}p2: ext4, no /etc/fstab" "$W/mr5.out"
run mr6 mount-root.sh ROOT_MOUNT="$R" ROOT_DEVICE="${A}p1"
checks "mount-root: explicit ROOT_DEVICE exit 0" '[ "$(rc mr6)" = 0 ] && [ "$(findmnt -n -o SOURCE -M "$R")" = "${A}p1" ]'
run mr7 mount-root.sh ROOT_MOUNT="$R" MOUNT_ROOT_UNMOUNT=1
for bad in "/tmp/x y" "/tmp/../etc" "relative" "/etc" "/" '/tmp/$(touch '"$W"'/pwned)'; do
    run mrbad mount-root.sh ROOT_MOUNT="$bad"
    check "mount-root: ROOT_MOUNT='$bad' refused" [ "$(rc mrbad)" = 2 ]
done
run mrbad mount-root.sh ROOT_MOUNT="$R" ROOT_DEVICE="${A}p1; touch $W/pwned"
check "mount-root: hostile ROOT_DEVICE refused" [ "$(rc mrbad)" = 2 ]
check "mount-root: nothing executed" [ ! -e "$W/pwned" ]
check "mount-root: nothing mounted after refusals" [ -z "$(findmnt -n -r -o TARGET | grep "^$R")" ]

echo "== reinstall.sh"
truncate -s 64M "$W/target.img"
newloop "$W/target.img"; B=$L
mkdir -p "$W/www"
# The image: a GPT disk of 24 MiB + 1000 bytes (not a multiple of 512).
truncate -s 24M "$W/www/img.raw"
sgdisk -o -n1:0:+8M -c1:imgpart "$W/www/img.raw" >/dev/null
head -c 4M /dev/urandom | dd of="$W/www/img.raw" bs=1M seek=2 conv=notrunc status=none
head -c 1000 /dev/urandom >>"$W/www/img.raw"
imgsha=$(sha256sum <"$W/www/img.raw" | cut -d ' ' -f 1)
imglen=$(stat -c %s "$W/www/img.raw")
gzip -k "$W/www/img.raw"; xz -0 -k "$W/www/img.raw"; zstd -q "$W/www/img.raw" -o "$W/www/img.raw.zst"
cp "$W/www/img.raw.gz" "$W/www/noext"
port=$((20000 + RANDOM % 20000))
(cd "$W/www" && exec python3 -m http.server --bind 127.0.0.1 "$port" >/dev/null 2>&1) &
httppid=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/" >/dev/null && break; sleep 0.1; done
U=http://127.0.0.1:$port
wipe() { dd if=/dev/zero of="$B" bs=1M count=40 conv=fsync status=none; }
for v in "img.raw:" "img.raw.gz:" "img.raw.xz:" "img.raw.zst:" "noext:gz"; do
    f=${v%%:*}; fmt=${v#*:}
    wipe
    run ri reinstall.sh IMAGE_URL="$U/$f" IMAGE_SHA256="$imgsha" DISK="$B" REINSTALL_ALLOW_LOOP=1 ${fmt:+IMAGE_FORMAT=$fmt}
    check "reinstall $f${fmt:+ (IMAGE_FORMAT=$fmt)}: exit 0" [ "$(rc ri)" = 0 ] || cat "$W/ri.out" "$W/ri.err"
    check "reinstall $f: disk holds the image" cmp -s -n "$imglen" "$W/www/img.raw" "$B"
    check "reinstall $f: reports bytes written, time, rate" grep -qE "written: $imglen bytes in [0-9.]+ s \([0-9.]+ MiB/s\)" "$W/ri.out"
done
check "reinstall: the partition table was re-read (${B}p1 exists)" [ -b "${B}p1" ]
# Refusals: nothing may be written.
mkfs.ext4 -q "${B}p1"; mount "${B}p1" "$W/m"
run ri reinstall.sh IMAGE_URL="$U/img.raw" IMAGE_SHA256="$imgsha" DISK="$B" REINSTALL_ALLOW_LOOP=1
checks "reinstall: refused (exit 2) when a partition is mounted" '[ "$(rc ri)" = 2 ] && grep -q "mounted at.*" "$W/ri.err" && grep -q "nothing was written" "$W/ri.err"'
umount "$W/m"
before=$(devsha "$B")
run ri reinstall.sh IMAGE_URL="$U/img.raw" IMAGE_SHA256="$imgsha" DISK="${B}p1" REINSTALL_ALLOW_LOOP=1
check "reinstall: refused (exit 2) for a partition" [ "$(rc ri)" = 2 ]
run ri reinstall.sh IMAGE_URL="$U/img.raw" IMAGE_SHA256="$imgsha" DISK="$B"
check "reinstall: refused (exit 2) a loop without REINSTALL_ALLOW_LOOP" [ "$(rc ri)" = 2 ]
for badsha in "${imgsha:0:63}" "${imgsha}0" "${imgsha:0:63}g" "" "$imgsha; touch $W/pwned"; do
    run ri reinstall.sh IMAGE_URL="$U/img.raw" IMAGE_SHA256="$badsha" DISK="$B" REINSTALL_ALLOW_LOOP=1
    check "reinstall: bad IMAGE_SHA256 '${badsha:0:20}...' refused (exit 2)" [ "$(rc ri)" = 2 ]
done
for baddisk in "$B; touch $W/pwned" '$(touch '"$W"'/pwned)' "/dev/null" "/dev/../dev/$(basename "$B")" "$W/target.img" ""; do
    run ri reinstall.sh IMAGE_URL="$U/img.raw" IMAGE_SHA256="$imgsha" DISK="$baddisk" REINSTALL_ALLOW_LOOP=1
    check "reinstall: DISK='$baddisk' refused (exit 2)" [ "$(rc ri)" = 2 ]
done
for badurl in "$U/img raw" "$U/img.raw\"; touch $W/pwned; \"" "$U/img.raw'\$(touch $W/pwned)'" "$U/\`touch $W/pwned\`" "file:///etc/passwd" "ftp://127.0.0.1/x" "$U/img.raw;touch$W/pwned"; do
    run ri reinstall.sh IMAGE_URL="$badurl" IMAGE_SHA256="$imgsha" DISK="$B" REINSTALL_ALLOW_LOOP=1
    check "reinstall: IMAGE_URL='$badurl' refused (exit 2)" [ "$(rc ri)" = 2 ]
done
run ri reinstall.sh IMAGE_URL="$U/img.raw" IMAGE_SHA256="$imgsha" DISK="$B" REINSTALL_ALLOW_LOOP=1 IMAGE_FORMAT=bz2
check "reinstall: IMAGE_FORMAT=bz2 refused (exit 2)" [ "$(rc ri)" = 2 ]
check "reinstall: nothing executed" [ ! -e "$W/pwned" ]
check "reinstall: refusals wrote nothing (sha256 of $B unchanged)" [ "$before" = "$(devsha "$B")" ]
# Failures after writing started.
wrong=$(printf '%064d' 0)
run ri reinstall.sh IMAGE_URL="$U/img.raw.xz" IMAGE_SHA256="$wrong" DISK="$B" REINSTALL_ALLOW_LOOP=1
check "reinstall: wrong sha256 -> exit 1" [ "$(rc ri)" = 1 ]
check "reinstall: wrong sha256 -> says UNVERIFIED" grep -q 'UNVERIFIED' "$W/ri.err"
run ri reinstall.sh IMAGE_URL="$U/missing.raw" IMAGE_SHA256="$imgsha" DISK="$B" REINSTALL_ALLOW_LOOP=1
checks "reinstall: 404 -> exit 1, nothing written" '[ "$(rc ri)" = 1 ] && grep -q "curl exit 22.*nothing was written" "$W/ri.err"'
head -c 100000 "$W/www/img.raw.gz" >"$W/www/trunc.gz"
run ri reinstall.sh IMAGE_URL="$U/trunc.gz" IMAGE_SHA256="$imgsha" DISK="$B" REINSTALL_ALLOW_LOOP=1
checks "reinstall: truncated gz -> exit 1 (decompression)" '[ "$(rc ri)" = 1 ] && grep -q "decompression" "$W/ri.err"'
truncate -s 16M "$W/small.img"; newloop "$W/small.img"; S=$L
run ri reinstall.sh IMAGE_URL="$U/img.raw" IMAGE_SHA256="$imgsha" DISK="$S" REINSTALL_ALLOW_LOOP=1
checks "reinstall: image larger than the disk -> exit 1 (write)" '[ "$(rc ri)" = 1 ] && grep -q "write to $S" "$W/ri.err"'

echo
echo "$passes passed, $fails failed"
[ "$fails" = 0 ]
