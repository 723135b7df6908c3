#!/bin/sh
# netrescue built-in job: fsck
#
# What it does: a READ-ONLY check of every filesystem it finds (blkid -p on
# every block device lsblk lists: partitions, whole disks, md arrays, LVM
# logical volumes, opened LUKS devices). Nothing is written to any disk:
#   ext2/3/4  e2fsck -n -f        xfs    xfs_repair -n
#   btrfs     btrfs check --readonly   vfat  fsck.fat -n
# A filesystem mounted read-write is skipped (so is xfs/btrfs mounted at all);
# swap, LVM physical volumes, md RAID members and LUKS containers are listed as
# skipped with what they are; any other signature is "unsupported".
# Loop, ram, zram and optical devices are left out unless named in FSCK_DEVICES.
#
# Env inputs (all optional):
#   FSCK_DEVICES   space-separated block devices (/dev/...) to check, each with
#                  everything on it (its partitions, LVs, ...); default: all.
#
# Output (stdout): each check's own output (at most 500 lines per filesystem),
# then a summary table, one line per filesystem:
#   DEVICE FSTYPE RESULT DETAIL      RESULT: clean|errors|skipped|unsupported
# Warnings on stderr.
#
# Exit codes: 0 every filesystem clean or skipped/unsupported; 1 at least one
# has errors (or its checker could not run); 2 bad input.

PATH=/usr/sbin:/usr/bin:/sbin:/bin
LC_ALL=C
export PATH LC_ALL
umask 077

warn() { printf '%s\n' "fsck: $*" >&2; }

# A device path: /dev/ followed by safe characters, no "..".
valid_dev() {
    case $1 in
        /dev/?*) ;;
        *) return 1 ;;
    esac
    case $1 in
        *..*|*[!A-Za-z0-9._/:+-]*) return 1 ;;
    esac
    return 0
}

tmp=$(mktemp -d /tmp/netrescue-fsck.XXXXXX) || { warn "cannot create a temporary directory"; exit 1; }
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

: >"$tmp/list"
if [ -n "${FSCK_DEVICES-}" ]; then
    # Split on blanks only, without globbing; each word is validated.
    set -f
    for d in $FSCK_DEVICES; do
        if ! valid_dev "$d"; then
            warn "FSCK_DEVICES: not a device path: $(printf '%s' "$d" | tr -c '[:alnum:]/._-' '?')"; exit 2
        fi
        if [ ! -b "$d" ]; then
            warn "FSCK_DEVICES: $d is not a block device"; exit 2
        fi
        lsblk -r -n -p -o PATH,TYPE -- "$d" >>"$tmp/list" || { warn "lsblk $d failed"; exit 2; }
    done
    set +f
else
    lsblk -r -n -p -o PATH,TYPE >"$tmp/list" || { warn "lsblk failed"; exit 1; }
    # No loop/ram/zram devices (nor their partitions) unless asked for.
    awk '$1 !~ /^\/dev\/(loop|ram|zram)/' "$tmp/list" >"$tmp/list2" && mv "$tmp/list2" "$tmp/list"
fi
# Once each (an md array or a VG on two disks shows up under both), in order.
awk '$2 != "rom" && !seen[$1]++ { print $1 }' "$tmp/list" >"$tmp/devs"

: >"$tmp/summary"
row() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$tmp/summary"; }

# Runs a checker with its output on stdout, cut after 500 lines (without
# cutting the checker short), and returns its exit status.
run_check() {
    { "$@" </dev/null 2>&1; echo $? >"$tmp/rc"; } | awk 'NR <= 500 { print } NR == 501 { print "... (output cut; more lines follow)" }'
    return "$(cat "$tmp/rc")"
}

while read -r dev; do
    valid_dev "$dev" || continue
    [ -b "$dev" ] || continue
    fstype=$(blkid -p -o value -s TYPE -- "$dev" 2>/dev/null)
    brc=$?
    if [ "$brc" -eq 2 ] || { [ "$brc" -eq 0 ] && [ -z "$fstype" ]; }; then
        continue # no filesystem (a partitioned disk, an empty partition)
    fi
    if [ "$brc" -ne 0 ]; then
        row "$dev" "?" unsupported "blkid -p could not tell (exit $brc; several signatures?)"; continue
    fi
    fstype=$(printf '%s' "$fstype" | tr -c 'A-Za-z0-9_.-' '?')
    case $fstype in
        swap) row "$dev" "$fstype" skipped "swap space"; continue ;;
        LVM2_member) row "$dev" "$fstype" skipped "LVM physical volume (its logical volumes are checked on their own once active: vgchange -ay)"; continue ;;
        linux_raid_member) row "$dev" "$fstype" skipped "md RAID member (the assembled array is checked: mdadm --assemble --scan)"; continue ;;
        crypto_LUKS) row "$dev" "$fstype" skipped "LUKS encrypted container (open it with cryptsetup to check what is inside)"; continue ;;
    esac

    # Mounted? rw mounts are skipped; ro mounts too for checkers that refuse them.
    mnt=$(findmnt -n -r -o TARGET,OPTIONS -S "$dev" 2>/dev/null)
    if [ -n "$mnt" ]; then
        target=$(printf '%s\n' "$mnt" | head -n 1 | cut -d ' ' -f 1)
        if printf '%s\n' "$mnt" | awk '{ split($2, o, ","); if (o[1] == "rw") f = 1 } END { exit !f }'; then
            row "$dev" "$fstype" skipped "mounted read-write at $target (unmount it to check)"; continue
        fi
        case $fstype in
            xfs|btrfs) row "$dev" "$fstype" skipped "mounted (read-only) at $target; unmount it to check"; continue ;;
        esac
    fi

    case $fstype in
        ext2|ext3|ext4|ext4dev) tool=e2fsck; set -- e2fsck -n -f "$dev" ;;
        xfs) tool=xfs_repair; set -- xfs_repair -n "$dev" ;;
        btrfs) tool=btrfs; set -- btrfs check --readonly "$dev" ;;
        vfat) tool=fsck.fat; set -- fsck.fat -n "$dev" ;;
        *) row "$dev" "$fstype" unsupported "no read-only checker for $fstype here"; continue ;;
    esac
    if ! command -v "$tool" >/dev/null 2>&1; then
        row "$dev" "$fstype" unsupported "$tool is not installed"; continue
    fi
    printf '=== %s (%s): %s\n' "$dev" "$fstype" "$*"
    run_check "$@"
    rc=$?
    printf '=== %s: exit %s\n\n' "$dev" "$rc"
    if [ "$rc" -eq 0 ]; then
        row "$dev" "$fstype" clean "$* found no problems"
    elif [ "$tool" = e2fsck ] && [ "$rc" -ge 8 ]; then
        row "$dev" "$fstype" errors "e2fsck could not check it (exit $rc; see above)"
    else
        row "$dev" "$fstype" errors "$1 found problems (exit $rc; see above)"
    fi
done <"$tmp/devs"

echo "Summary:"
printf '%-28s %-18s %-11s %s\n' DEVICE FSTYPE RESULT DETAIL
awk -F '\t' '{ printf "%-28s %-18s %-11s %s\n", $1, $2, $3, $4 }' "$tmp/summary"
[ -s "$tmp/summary" ] || echo "(no filesystem found)"
if awk -F '\t' '$3 == "errors" { f = 1 } END { exit !f }' "$tmp/summary"; then
    exit 1
fi
exit 0
