#!/bin/sh
# netrescue built-in job: reinstall
#
# What it does: writes a disk image, downloaded over HTTP(S), to a whole disk
# and verifies it:
#   curl | decompress | tee FIFO (sha256sum of the stream) | dd of=DISK
#     bs=4M iflag=fullblock oflag=direct conv=fsync
# then reads back exactly the bytes written from the disk and hashes them too.
# Both sha256 must equal IMAGE_SHA256. Finally the kernel re-reads the
# partition table (blockdev --rereadpt, else partprobe; then partx -u).
# Before writing anything it refuses a disk that is not a whole disk, or that
# is in use: a mounted filesystem or active swap on the disk or any of its
# partitions, or any holder (an md array, an LVM volume, a dm-crypt mapping,
# ...) built on it.
#
# Env inputs:
#   IMAGE_URL      http:// or https:// URL of the image (characters
#                  A-Z a-z 0-9 - . _ ~ : / ? # @ ! & * + , = % only; no IPv6 [..]).
#   IMAGE_SHA256   64 hex digits: the sha256 of the UNCOMPRESSED image, i.e.
#                  of exactly what ends up on the disk.
#   DISK           the target, /dev/...: a block device of lsblk type "disk".
#   IMAGE_FORMAT   optional: raw|gz|xz|zst|auto (default auto: by the URL
#                  path's suffix .gz, .xz, .zst/.zstd, else raw).
#   REINSTALL_ALLOW_LOOP=1  optional: also accept a loop device (tests).
#
# Output (stdout): the plan, progress about every 10 s, then bytes written,
# time, rate and both checksums. Errors on stderr.
#
# Exit codes: 0 written and verified (stream and read-back sha256 match);
# 1 the download, decompression or write failed, or a checksum does not match:
# the disk then holds incomplete or unverified data; 2 refused before anything
# was written (bad input, not a whole disk, disk in use).

PATH=/usr/sbin:/usr/bin:/sbin:/bin
LC_ALL=C
export PATH LC_ALL
umask 077

say() { printf '%s\n' "reinstall: $*"; }
refuse() { printf '%s\n' "reinstall: REFUSED: $*" >&2; echo "reinstall: nothing was written." >&2; exit 2; }
fail() { printf '%s\n' "reinstall: FAILED: $*" >&2; exit 1; }
printable() { printf '%s' "$1" | tr -c '[:alnum:]/._:-' '?' | cut -c 1-200; }

# ---- inputs (hostile: validated, always quoted, never evaluated) ----
url=${IMAGE_URL-}
case $url in
    http://?*|https://?*) ;;
    *) refuse "IMAGE_URL must start with http:// or https://: $(printable "$url")" ;;
esac
case $url in
    *[!A-Za-z0-9._~:/?#@!\&*+,=%-]*) refuse "IMAGE_URL holds a character that is not allowed (space, quote, ...): $(printable "$url")" ;;
esac
[ "${#url}" -le 2048 ] || refuse "IMAGE_URL is longer than 2048 characters"

sha=${IMAGE_SHA256-}
case $sha in
    *[!0-9A-Fa-f]*|'') refuse "IMAGE_SHA256 must be 64 hexadecimal digits" ;;
esac
[ "${#sha}" -eq 64 ] || refuse "IMAGE_SHA256 must be 64 hexadecimal digits (got ${#sha} characters)"
sha=$(printf '%s' "$sha" | tr 'A-F' 'a-f')

disk=${DISK-}
case $disk in
    /dev/?*) ;;
    *) refuse "DISK must be a /dev/... path: $(printable "$disk")" ;;
esac
case $disk in
    *..*|*[!A-Za-z0-9._/:+-]*) refuse "DISK holds a character that is not allowed: $(printable "$disk")" ;;
esac
[ -b "$disk" ] || refuse "DISK $disk is not a block device"

format=${IMAGE_FORMAT:-auto}
case $format in
    raw|gz|xz|zst) ;;
    auto)
        path=${url%%[?#]*}
        case $path in
            *.gz) format=gz ;;
            *.xz) format=xz ;;
            *.zst|*.zstd) format=zst ;;
            *) format=raw ;;
        esac ;;
    *) refuse "IMAGE_FORMAT must be raw, gz, xz, zst or auto: $(printable "$format")" ;;
esac
case $format in
    raw) set -- cat ;;
    gz) set -- gzip -dc ;;
    xz) set -- xz -dc ;;
    zst) set -- zstd -dcq ;;
esac
command -v "$1" >/dev/null 2>&1 || refuse "$1 is not installed (needed for $format)"
for t in curl dd tee sha256sum mkfifo lsblk blockdev; do
    command -v "$t" >/dev/null 2>&1 || refuse "$t is not installed"
done

# ---- the disk: whole, and not in use ----
dtype=$(lsblk -d -n -o TYPE -- "$disk" 2>/dev/null)
case $dtype in
    disk) ;;
    loop) [ "${REINSTALL_ALLOW_LOOP-}" = 1 ] || refuse "$disk is a loop device (set REINSTALL_ALLOW_LOOP=1 to allow)" ;;
    *) refuse "$disk is not a whole disk (lsblk type: $(printable "${dtype:-unknown}"))" ;;
esac
[ "$(lsblk -d -n -o RO -- "$disk" 2>/dev/null | tr -d ' ')" = 0 ] || refuse "$disk is read-only"

# Everything on the disk: its partitions and every holder stacked on it.
tree=$(lsblk -r -n -p -o PATH,KNAME,TYPE,MOUNTPOINT -- "$disk" 2>/dev/null) || refuse "lsblk $disk failed"
busy=$(printf '%s\n' "$tree" | awk '$4 != "" { printf "%s%s is mounted at %s", (n++ ? "; " : ""), $1, $4 }')
[ -z "$busy" ] || refuse "$disk is in use: $busy"
holders=$(printf '%s\n' "$tree" | awk 'NR > 1 && $3 != "part" { printf "%s%s (%s)", (n++ ? ", " : ""), $1, $3 }')
[ -z "$holders" ] || refuse "$disk is in use by $holders: stop them first (vgchange -an VG, mdadm --stop /dev/mdX, cryptsetup close NAME)"
for name in $(printf '%s\n' "$tree" | awk '{ print $2 }'); do
    case $name in *[!A-Za-z0-9._:+-]*) continue ;; esac
    if awk -v a="/dev/$name" 'NR > 1 && $1 == a { f = 1 } END { exit !f }' /proc/swaps; then
        refuse "/dev/$name is in use as swap"
    fi
    for h in /sys/class/block/"$name"/holders/*; do
        [ -e "$h" ] && refuse "/dev/$name is held by ${h##*/} (md, LVM or dm-crypt)"
    done
done
size=$(blockdev --getsize64 "$disk") || refuse "cannot read the size of $disk"

# ---- write ----
tmp=$(mktemp -d /tmp/netrescue-reinstall.XXXXXX) || fail "cannot create a temporary directory"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
mkfifo "$tmp/fifo" || fail "mkfifo failed"

say "image:  $url ($format)"
say "disk:   $disk ($size bytes)"
say "sha256: $sha (uncompressed)"
say "writing; everything on $disk is being overwritten"
start=$(date +%s.%N)

sha256sum <"$tmp/fifo" >"$tmp/stream.sha" &
shapid=$!
{ curl -fsSL --proto =http,https --proto-redir =http,https --retry 3 --connect-timeout 30 -- "$url"; echo $? >"$tmp/curl.rc"; } |
    { "$@"; echo $? >"$tmp/dec.rc"; } |
    { tee -- "$tmp/fifo"; echo $? >"$tmp/tee.rc"; } |
    { dd of="$disk" bs=4M iflag=fullblock oflag=direct conv=fsync status=progress 2>&1; echo $? >"$tmp/dd.rc"; } |
    tr '\r' '\n' | awk -v lf="$tmp/dd.log" '
        /bytes .* copied/ { last = $0; if (++n % 10 == 0) { print "progress: " $0; fflush() } }
        /error|failed|No space|Invalid/ { print; fflush() }
        { print > lf }
        END { if (last != "") print last > (lf ".last") }'
wait "$shapid"
sharc=$?
end=$(date +%s.%N)

rc_of() { if [ -s "$tmp/$1.rc" ]; then cat "$tmp/$1.rc"; else echo 255; fi; }
curl_rc=$(rc_of curl); dec_rc=$(rc_of dec); tee_rc=$(rc_of tee); dd_rc=$(rc_of dd)
bytes=$(awk '{ n = $1 } END { print n + 0 }' "$tmp/dd.log.last" 2>/dev/null)
[ -n "$bytes" ] || bytes=0

# The stage nearest the disk first: an upstream exit 141 (SIGPIPE) follows from it.
errors=
[ "$dd_rc" = 0 ] || errors="$errors write to $disk (dd exit $dd_rc);"
[ "$tee_rc" = 0 ] || errors="$errors tee (exit $tee_rc);"
[ "$dec_rc" = 0 ] || errors="$errors decompression ($1 exit $dec_rc);"
[ "$curl_rc" = 0 ] || errors="$errors download (curl exit $curl_rc);"
[ "$sharc" = 0 ] || errors="$errors sha256sum of the stream (exit $sharc);"
say "written: $bytes bytes in $(awk -v a="$start" -v b="$end" -v n="$bytes" 'BEGIN { t = b - a; if (t <= 0) t = 0.001; printf "%.1f s (%.1f MiB/s)", t, n / t / 1048576 }')"
if [ -n "$errors" ]; then
    if [ "$bytes" -eq 0 ]; then
        fail "failed:$errors nothing was written to $disk"
    fi
    fail "failed:$errors $disk holds $bytes bytes of incomplete, unverified data"
fi
if [ "$bytes" -eq 0 ]; then
    fail "the image is empty; nothing was written"
fi

# ---- verify ----
got=$(cut -d ' ' -f 1 "$tmp/stream.sha")
say "stream sha256:    $got"
if [ "$got" != "$sha" ]; then
    fail "the image's sha256 is $got, not $sha: $disk holds $bytes bytes of UNVERIFIED data (do not boot it)"
fi
blockdev --flushbufs "$disk" 2>/dev/null
back=$(head -c "$bytes" -- "$disk" | sha256sum | cut -d ' ' -f 1)
say "read-back sha256: $back ($bytes bytes from $disk)"
if [ "$back" != "$sha" ]; then
    fail "what $disk holds now does not match what was written: $disk holds UNVERIFIED data"
fi

# ---- the new partition table ----
if ! blockdev --rereadpt "$disk" 2>/dev/null; then
    if command -v partprobe >/dev/null 2>&1; then
        partprobe "$disk" 2>/dev/null || say "warning: the kernel did not re-read the partition table of $disk (reboot to see it)"
    fi
fi
# Kernels without the table's parser (and loop devices) need partx to see them.
if command -v partx >/dev/null 2>&1; then
    partx -u "$disk" 2>/dev/null
    partx -a "$disk" 2>/dev/null
fi
say "verified: $disk holds the image ($bytes bytes, sha256 $sha)"
lsblk -o NAME,SIZE,TYPE,FSTYPE,PARTLABEL -- "$disk" 2>/dev/null
exit 0
