#!/bin/sh
# netrescue built-in job: mount-root
#
# What it does: finds the installed system on the machine's disks and mounts it
# at /mnt/root (or ROOT_MOUNT), ready for `chroot /mnt/root CMD`:
#   1. mdadm --assemble --scan and vgchange -ay (failures are ignored);
#   2. mounts every ext2/3/4, xfs and btrfs filesystem (btrfs: also its "@"
#      subvolume) read-only, without journal replay, in a private directory,
#      and keeps those with a regular /etc/fstab and an /etc/os-release,
#      /sbin/init or /usr/lib/systemd/systemd; filesystems already mounted
#      elsewhere are not candidates;
#   3. mounts the one found read-write at ROOT_MOUNT (read-only, with a
#      warning, when the kernel refuses read-write), then the local
#      filesystems of ITS /etc/fstab below it, parents first (UUID=, LABEL=,
#      PARTUUID=, PARTLABEL=, /dev/disk/by-*/ and /dev/... resolved by probing
#      the devices with blkid -p; swap, network, bind, virtual and noauto
#      lines are skipped; of the options only ro, subvol= and subvolid= are
#      kept; a line whose device is missing or that fails to mount gives a
#      warning on stderr and the rest goes on: that is often what is broken);
#   4. mounts proc and binds /dev, /sys, /run (recursively, as slaves, so
#      unmounting them later never touches the rescue system's own).
# Running it again while ROOT_MOUNT is mounted reports what is there, exit 0.
#
# Env inputs (all optional):
#   ROOT_MOUNT=/mnt/root     where to mount (absolute, [A-Za-z0-9._/-], no "..",
#                            not a system directory such as / or /etc).
#   ROOT_DEVICE=/dev/...     the root filesystem's device: skip the search.
#   ROOT_SEARCH="/dev/sda /dev/md0"  search only these devices and what is on
#                            them (loop devices are searched only when named here).
#   MOUNT_ROOT_UNMOUNT=1     instead: unmount everything at and below ROOT_MOUNT
#                            (recursively; lazily when busy), e.g. before a reboot.
#
# Output (stdout): what was probed and found, what was mounted, then
# `findmnt -R ROOT_MOUNT`. Warnings on stderr.
#
# Exit codes: 0 mounted (or already mounted; or unmounted); 1 no installed
# system found, or several (the candidates are listed: set ROOT_DEVICE);
# 2 bad input; 3 a mount or unmount failed (the root filesystem could not be
# mounted, something stays mounted after MOUNT_ROOT_UNMOUNT=1).

PATH=/usr/sbin:/usr/bin:/sbin:/bin
LC_ALL=C
export PATH LC_ALL
umask 022

warn() { printf '%s\n' "mount-root: WARNING: $*" >&2; }
die() { code=$1; shift; printf '%s\n' "mount-root: $*" >&2; exit "$code"; }
printable() { printf '%s' "$1" | tr -c '[:alnum:] /._,:=@+-' '?'; }

valid_dev() {
    case $1 in /dev/?*) ;; *) return 1 ;; esac
    case $1 in *..*|*[!A-Za-z0-9._/:+-]*) return 1 ;; esac
    return 0
}

# ---- ROOT_MOUNT ----
R=${ROOT_MOUNT:-/mnt/root}
case $R in
    /*) ;;
    *) die 2 "ROOT_MOUNT must be an absolute path: $(printable "$R")" ;;
esac
case $R in
    *..*|*//*|*[!A-Za-z0-9._/-]*) die 2 "ROOT_MOUNT may hold only A-Z a-z 0-9 . _ / - and no '..' or '//': $(printable "$R")" ;;
esac
while :; do case $R in */) R=${R%/} ;; *) break ;; esac; done
case $R in
    ''|/bin|/boot|/dev|/etc|/home|/lib|/lib32|/lib64|/libx32|/media|/mnt|/opt|/proc|/root|/run|/sbin|/srv|/sys|/tmp|/usr|/usr/*|/var|/var/*|/etc/*|/proc/*|/sys/*|/dev/*|/run/*)
        die 2 "ROOT_MOUNT may not be a system directory: ${R:-/}" ;;
esac
R=$(realpath -m -- "$R") || die 2 "cannot resolve ROOT_MOUNT"
case $R in
    /|*[!A-Za-z0-9._/-]*) die 2 "ROOT_MOUNT resolves to an unusable path: $(printable "$R")" ;;
esac

mounted_below() { # every mount point at or below $R
    findmnt -n -r -o TARGET | awk -v r="$R" '$0 == r || index($0, r "/") == 1'
}

# ---- unmount mode ----
case ${MOUNT_ROOT_UNMOUNT-} in
    ''|0) ;;
    1)
        if [ -z "$(mounted_below)" ]; then
            echo "nothing is mounted at or below $R"; exit 0
        fi
        sync
        if ! umount -R -- "$R" 2>/dev/null; then
            warn "umount -R $R failed (busy?); unmounting lazily"
            umount -R -l -- "$R" || true
            # What is not below a mount of $R itself (if $R was never mounted).
            mounted_below | sort -r | while read -r m; do umount -l -- "$m" 2>/dev/null; done
        fi
        left=$(mounted_below)
        if [ -n "$left" ]; then
            printf '%s\n' "still mounted:" "$left"
            exit 3
        fi
        echo "unmounted everything at and below $R"; exit 0 ;;
    *) die 2 "MOUNT_ROOT_UNMOUNT must be 0 or 1" ;;
esac

# ---- already mounted? ----
if findmnt -n -M "$R" >/dev/null 2>&1; then
    echo "$R is already mounted; nothing done. Unmount with MOUNT_ROOT_UNMOUNT=1."
    findmnt -R -o TARGET,SOURCE,FSTYPE,OPTIONS -- "$R"
    exit 0
fi

# ---- inputs for the search ----
if [ -n "${ROOT_DEVICE-}" ]; then
    valid_dev "$ROOT_DEVICE" || die 2 "ROOT_DEVICE must be a /dev/... path: $(printable "$ROOT_DEVICE")"
fi
search=
if [ -n "${ROOT_SEARCH-}" ]; then
    set -f
    for d in $ROOT_SEARCH; do
        valid_dev "$d" || die 2 "ROOT_SEARCH: not a device path: $(printable "$d")"
        [ -b "$d" ] || die 2 "ROOT_SEARCH: $d is not a block device"
        search="$search $d"
    done
    set +f
fi

tmp=$(mktemp -d /tmp/netrescue-mount-root.XXXXXX) || die 3 "cannot create a temporary directory"
probe=$tmp/probe
mkdir "$probe" || die 3 "cannot create $probe"
cleanup() {
    if findmnt -n -M "$probe" >/dev/null 2>&1; then umount -l -- "$probe" 2>/dev/null; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 3' HUP INT TERM

# ---- assemble md arrays and activate LVM ----
if command -v mdadm >/dev/null 2>&1; then
    echo "mdadm --assemble --scan"
    timeout 120 mdadm --assemble --scan </dev/null >&2 2>&1 || true
fi
if command -v vgchange >/dev/null 2>&1; then
    echo "vgchange -ay"
    LVM_SUPPRESS_FD_WARNINGS=1 timeout 120 vgchange -ay </dev/null >&2 2>&1 || true
fi

# ---- every block device's identity, probed (no cache, no udev) ----
# $tmp/ids: "DEVICE TAG VALUE" with TAG TYPE|UUID|LABEL|PARTUUID|PARTLABEL and
# VALUE as blkid's udev output encodes it (unsafe bytes as \xNN).
lsblk -r -n -p -o PATH,TYPE >"$tmp/all" 2>/dev/null || die 3 "lsblk failed"
: >"$tmp/ids"
awk '$2 != "rom" && !seen[$1]++ { print $1 }' "$tmp/all" >"$tmp/alldevs"
while read -r dev; do
    valid_dev "$dev" && [ -b "$dev" ] || continue
    timeout 60 blkid -p -o udev -- "$dev" 2>/dev/null </dev/null | awk -v d="$dev" '
        { k = substr($0, 1, index($0, "=") - 1); v = substr($0, index($0, "=") + 1); if (v == "") next }
        k == "ID_FS_TYPE" { print d, "TYPE", v } k == "ID_FS_UUID_ENC" { print d, "UUID", v }
        k == "ID_FS_LABEL_ENC" { print d, "LABEL", v } k == "ID_PART_ENTRY_UUID" { print d, "PARTUUID", v }
        k == "ID_PART_ENTRY_NAME" { gsub(/ /, "\\x20", v); print d, "PARTLABEL", v }' >>"$tmp/ids"
done <"$tmp/alldevs"

fstype_of() { awk -v d="$1" '$1 == d && $2 == "TYPE" { print $3; exit }' "$tmp/ids"; }
lookup() { # TAG VALUE -> device
    awk -v t="$1" -v v="$2" '$2 == t && substr($0, length($1) + length($2) + 3) == v { print $1; exit }' "$tmp/ids"
}

# ---- candidates ----
if [ -n "${ROOT_DEVICE-}" ]; then
    [ -b "$ROOT_DEVICE" ] || die 1 "ROOT_DEVICE $ROOT_DEVICE is not a block device"
    printf '%s\n' "$ROOT_DEVICE" >"$tmp/cands"
    timeout 60 blkid -p -o udev -- "$ROOT_DEVICE" 2>/dev/null </dev/null |
        awk -v d="$ROOT_DEVICE" 'index($0, "ID_FS_TYPE=") == 1 { print d, "TYPE", substr($0, 12) }' >>"$tmp/ids"
elif [ -n "$search" ]; then
    set -f
    # shellcheck disable=SC2086 # $search: validated device paths, split on blanks
    lsblk -r -n -p -o PATH,TYPE -- $search | awk '$2 != "rom" && !seen[$1]++ { print $1 }' >"$tmp/cands"
    set +f
else
    awk '$1 !~ /^\/dev\/(loop|ram|zram)/' "$tmp/alldevs" >"$tmp/cands"
fi

exists() { [ -e "$1" ] || [ -L "$1" ]; }
is_root() { # DIR: a regular /etc/fstab, not through a symlink, and a system
    [ -d "$1/etc" ] && [ ! -L "$1/etc" ] && [ -f "$1/etc/fstab" ] && [ ! -L "$1/etc/fstab" ] || return 1
    exists "$1/etc/os-release" || exists "$1/sbin/init" || exists "$1/usr/lib/systemd/systemd"
}
os_name() { # DIR
    f=$1/etc/os-release
    if [ -L "$f" ]; then
        l=$(readlink -- "$f")
        case $l in /*) f=$1$l ;; esac
    fi
    [ -f "$f" ] || f=$1/usr/lib/os-release
    n=$(sed -n 's/^PRETTY_NAME=//p' -- "$f" 2>/dev/null | head -n 1 | tr -d "\"'")
    printable "${n:-unknown system}" | cut -c 1-80
}

: >"$tmp/found"
: >"$tmp/probed"
while read -r dev; do
    valid_dev "$dev" && [ -b "$dev" ] || continue
    t=$(fstype_of "$dev")
    case $t in
        ext2|ext3|ext4) opts=ro,noload ;;
        xfs) opts=ro,norecovery ;;
        btrfs) opts=ro ;;
        '') [ -n "${ROOT_DEVICE-}" ] && echo "$dev: no filesystem" >>"$tmp/probed"; continue ;;
        *) echo "$dev: $(printable "$t") (not a root candidate)" >>"$tmp/probed"; continue ;;
    esac
    where=$(findmnt -n -r -o TARGET -S "$dev" 2>/dev/null | head -n 1)
    if [ -n "$where" ]; then
        echo "$dev: $t, already mounted at $where (not a candidate)" >>"$tmp/probed"; continue
    fi
    if ! mount -t "$t" -o "$opts" -- "$dev" "$probe" 2>"$tmp/err"; then
        echo "$dev: $t, cannot be mounted read-only: $(head -n 1 "$tmp/err" | tr -c '[:print:]' ' ')" >>"$tmp/probed"; continue
    fi
    hit=
    for sub in "" @ @root root; do
        if [ -z "$sub" ]; then d=$probe; else [ "$t" = btrfs ] || break; d=$probe/$sub; fi
        [ -d "$d" ] || continue
        if is_root "$d"; then
            hit=1
            printf '%s\t%s\t%s\t%s\n' "$dev" "$t" "${sub:--}" "$(os_name "$d")" >>"$tmp/found"
            echo "$dev: $t${sub:+ (subvolume $sub)}: installed system: $(os_name "$d")" >>"$tmp/probed"
            break
        fi
    done
    [ -n "$hit" ] || echo "$dev: $t, no /etc/fstab with an os-release or init" >>"$tmp/probed"
    umount -- "$probe" 2>/dev/null || umount -l -- "$probe"
done <"$tmp/cands"

echo "Filesystems probed:"
if [ -s "$tmp/probed" ]; then sed 's/^/  /' "$tmp/probed"; else echo "  (none)"; fi
nfound=$(wc -l <"$tmp/found")
if [ "$nfound" -eq 0 ]; then
    echo "No installed system found (a root filesystem has /etc/fstab and /etc/os-release, /sbin/init or /usr/lib/systemd/systemd)."
    exit 1
fi
if [ "$nfound" -gt 1 ]; then
    echo "Several installed systems found; run again with ROOT_DEVICE set to one of:"
    awk -F '\t' '{ printf "  %s (%s%s): %s\n", $1, $2, $3 == "-" ? "" : ", subvolume " $3, $4 }' "$tmp/found"
    exit 1
fi
IFS=$(printf '\t') read -r rdev rtype rsub rname <"$tmp/found"

# ---- mount the root ----
mkdir -p -- "$R" || die 3 "cannot create $R"
ropts=rw
[ "$rsub" = - ] || ropts=rw,subvol=$rsub
if mount -t "$rtype" -o "$ropts" -- "$rdev" "$R"; then
    echo "mounted $rdev ($rtype, $rname) on $R"
else
    warn "$rdev cannot be mounted read-write; trying read-only (run the fsck job?)"
    ropts=$(printf '%s' "$ropts" | sed 's/^rw/ro/')
    [ "$rtype" = xfs ] && ropts=$ropts,norecovery
    [ "${rtype#ext}" != "$rtype" ] && ropts=$ropts,noload
    mount -t "$rtype" -o "$ropts" -- "$rdev" "$R" || die 3 "cannot mount $rdev on $R"
    warn "$rdev is mounted READ-ONLY on $R"
fi
[ -f "$R/etc/fstab" ] && [ ! -L "$R/etc/fstab" ] && [ ! -L "$R/etc" ] || die 3 "$R/etc/fstab went away"

# ---- its fstab ----
# "DEPTH SPEC FILE TYPE OPTIONS LINE", parents first (stable sort by depth).
awk '!/^[[:space:]]*(#|$)/ && NF >= 2 {
        file = $2; d = gsub(/\//, "/", file); if ($2 == "/") d = 0
        print d, $1, $2, ($3 == "" ? "auto" : $3), ($4 == "" ? "defaults" : $4), NR
    }' "$R/etc/fstab" | sort -s -n -k 1,1 >"$tmp/fstab"

nwarn=0
while read -r _ spec file type opts line; do
    what="fstab line $line ($(printable "$spec") on $(printable "$file"))"
    [ "$file" = / ] && continue
    case ",$opts," in *,noauto,*) echo "skipped $what: noauto"; continue ;; esac
    case ",$opts," in *,bind,*|*,rbind,*) echo "skipped $what: bind mount"; continue ;; esac
    case ",$opts," in *,_netdev,*) echo "skipped $what: network (_netdev)"; continue ;; esac
    case $type in
        swap) echo "skipped $what: swap"; continue ;;
        nfs|nfs4|cifs|smb3|smbfs|sshfs|fuse|fuse.*|glusterfs|ceph|9p|davfs|ncpfs|afs|virtiofs)
            echo "skipped $what: network filesystem"; continue ;;
        tmpfs|proc|sysfs|devpts|devtmpfs|cgroup|cgroup2|securityfs|efivarfs|debugfs|tracefs|mqueue|hugetlbfs|fusectl|configfs|pstore|bpf|binfmt_misc|autofs|ramfs|none)
            echo "skipped $what: virtual filesystem"; continue ;;
    esac
    case $file in none|swap) echo "skipped $what: no mount point"; continue ;; esac
    case $spec in *:*|//*) case $spec in UUID=*|PARTUUID=*|LABEL=*|PARTLABEL=*|/dev/*) ;; *) echo "skipped $what: network source"; continue ;; esac ;; esac
    case $file in
        /*) ;;
        *) warn "$what: mount point is not absolute; skipped"; nwarn=$((nwarn + 1)); continue ;;
    esac
    case $file in
        *..*|*[!A-Za-z0-9._/@+-]*) warn "$what: unusual mount point; skipped"; nwarn=$((nwarn + 1)); continue ;;
    esac
    case $type in
        *[!A-Za-z0-9._-]*) warn "$what: unusual type; skipped"; nwarn=$((nwarn + 1)); continue ;;
    esac

    # The device.
    val=$(printf '%s' "$spec" | sed 's/^\([A-Z]*=\)"\(.*\)"$/\1\2/; s/\\040/\\x20/g; s/\\011/\\x09/g')
    dev=
    case $val in
        UUID=*) dev=$(lookup UUID "${val#UUID=}") ;;
        LABEL=*) dev=$(lookup LABEL "${val#LABEL=}") ;;
        PARTUUID=*) dev=$(lookup PARTUUID "${val#PARTUUID=}") ;;
        PARTLABEL=*) dev=$(lookup PARTLABEL "${val#PARTLABEL=}") ;;
        /dev/*)
            if valid_dev "$val" && [ -b "$val" ]; then dev=$val
            else
                case $val in
                    /dev/disk/by-uuid/*) dev=$(lookup UUID "${val#/dev/disk/by-uuid/}") ;;
                    /dev/disk/by-label/*) dev=$(lookup LABEL "${val#/dev/disk/by-label/}") ;;
                    /dev/disk/by-partuuid/*) dev=$(lookup PARTUUID "${val#/dev/disk/by-partuuid/}") ;;
                    /dev/disk/by-partlabel/*) dev=$(lookup PARTLABEL "${val#/dev/disk/by-partlabel/}") ;;
                esac
            fi ;;
        *) warn "$what: unknown device syntax; skipped"; nwarn=$((nwarn + 1)); continue ;;
    esac
    if [ -z "$dev" ] || ! valid_dev "$dev" || [ ! -b "$dev" ]; then
        warn "$what: no such device; not mounted (this may be what is broken)"; nwarn=$((nwarn + 1)); continue
    fi
    if [ "$type" = auto ]; then
        type=$(fstype_of "$dev")
        [ -n "$type" ] || { warn "$what: $dev holds no filesystem; skipped"; nwarn=$((nwarn + 1)); continue; }
    fi

    # Options: only ro, subvol=, subvolid= (of safe characters) are kept.
    mopts=$(printf '%s' "$opts" | tr ',' '\n' | grep -E '^(ro|subvol=[A-Za-z0-9._/@+-]+|subvolid=[0-9]+)$' | paste -s -d, -)
    [ -n "$mopts" ] || mopts=defaults

    # The target must stay below $R (no symlink in the installed system may lead out).
    target=$(realpath -m -- "$R$file")
    case $target in
        "$R"/*) ;;
        *) warn "$what: $R$file leads out of $R (symlink?); skipped"; nwarn=$((nwarn + 1)); continue ;;
    esac
    if findmnt -n -M "$target" >/dev/null 2>&1; then
        echo "skipped $what: $target is already mounted"; continue
    fi
    if [ ! -d "$target" ]; then
        mkdir -p -- "$target" || { warn "$what: cannot create $target"; nwarn=$((nwarn + 1)); continue; }
        echo "created the mount point $target"
    fi
    if mount -t "$type" -o "$mopts" -- "$dev" "$target" 2>"$tmp/err"; then
        echo "mounted $dev ($type) on $target"
    else
        warn "$what: mount $dev on $target failed: $(head -n 1 "$tmp/err" | tr -c '[:print:]' ' ')"
        nwarn=$((nwarn + 1))
    fi
done <"$tmp/fstab"

# ---- /dev, /proc, /sys, /run for chroot ----
for d in dev proc sys run; do
    target=$(realpath -m -- "$R/$d")
    case $target in
        "$R/$d") ;;
        *) warn "$R/$d is a symlink; not mounted"; nwarn=$((nwarn + 1)); continue ;;
    esac
    [ -d "$target" ] || mkdir -p -- "$target" || { warn "cannot create $target"; nwarn=$((nwarn + 1)); continue; }
    if [ "$d" = proc ]; then
        mount -t proc proc "$target" || { warn "cannot mount proc on $target"; nwarn=$((nwarn + 1)); }
    elif mount --rbind "/$d" "$target"; then
        mount --make-rslave "$target" || warn "cannot make $target a slave mount"
    else
        warn "cannot bind /$d on $target"; nwarn=$((nwarn + 1))
    fi
done

echo
echo "The installed system ($rname, $rdev) is mounted on $R; run: chroot $R CMD"
[ "$nwarn" -eq 0 ] || echo "$nwarn warning(s): see stderr"
echo
findmnt -R -o TARGET,SOURCE,FSTYPE,OPTIONS -- "$R"
exit 0
