#!/bin/sh
# netrescue built-in job: disks
#
# What it does: lists every whole disk of the machine (block devices of type
# "disk"; loop, ram, zram and optical drives are left out) with its partitions,
# their filesystems, and a health verdict (smartctl for SATA/SAS, nvme-cli for
# NVMe). It only reads: nothing is written to any disk.
#
# Env inputs (all optional):
#   DISKS_INCLUDE_LOOP=1   also list loop devices (for tests).
#
# Output: exactly one JSON document on stdout (pure ASCII; bytes outside
# printable ASCII in strings read from disks are written as \u00XX, one per
# byte), progress and warnings on stderr only:
#   {"version":1,"collected_at":"2025-01-31T12:00:00Z","disks":[
#     {"name":"sda","path":"/dev/sda","model":"..."|null,"serial":"..."|null,
#      "size_bytes":N|null,"rotational":true|false|null,"transport":"sata"|null,
#      "health":{"tool":"smartctl"|"nvme"|"none","passed":true|false|null,"detail":"..."},
#      "partitions":[{"name":"sda1","path":"/dev/sda1","size_bytes":N|null,
#        "fstype":"ext4"|null,"label":"..."|null,"uuid":"..."|null,"mountpoint":"/x"|null}],
#      "fstype":"..."|null}]}            (fstype: a filesystem on the whole disk)
#   A missing health tool or a device without SMART gives "tool":"none",
#   "passed":null; it never fails the job.
#
# Exit codes: 0 the document was written; 1 it could not be collected (lsblk
# failed; nothing is printed on stdout then).

PATH=/usr/sbin:/usr/bin:/sbin:/bin
LC_ALL=C
export PATH LC_ALL
umask 077

say() { printf '%s\n' "disks: $*" >&2; }

include_loop=0
case ${DISKS_INCLUDE_LOOP-} in
    1) include_loop=1 ;;
    ''|0) ;;
    *) say "DISKS_INCLUDE_LOOP must be 0 or 1; ignored" ;;
esac

tmp=$(mktemp -d /tmp/netrescue-disks.XXXXXX) || { say "cannot create a temporary directory"; exit 1; }
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

collected_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)

# lsblk -P escapes every unsafe byte of a value as \xNN, so values hold no
# double quote, backslash or control character; the awk below decodes them.
if ! lsblk -P -b -o NAME,PATH,TYPE,PKNAME,MODEL,SERIAL,SIZE,ROTA,TRAN,MOUNTPOINT >"$tmp/lsblk" 2>"$tmp/lsblk.err"; then
    say "lsblk failed: $(head -c 500 "$tmp/lsblk.err" | tr -c '[:print:]' ' ')"
    exit 1
fi

# The devices to describe: "TYPE NAME PATH" of the disks and their partitions.
awk -v loop="$include_loop" '
function val(k,   p, s) {
    p = index(" " $0, " " k "=\""); if (p == 0) return ""
    s = substr($0, p + length(k) + 2); return substr(s, 1, index(s, "\"") - 1)
}
{
    t = val("TYPE"); n = val("NAME"); pk = val("PKNAME")
    if (n !~ /^[A-Za-z0-9._:+-]+$/) next
    if (t == "disk" && n !~ /^(zram|ram)/) { keep[n] = 1; print "disk " n " " val("PATH") }
    else if (t == "loop" && loop == 1) { keep[n] = 1; print "disk " n " " val("PATH") }
    else if (t == "part" && (pk in keep)) print "part " n " " val("PATH")
}' "$tmp/lsblk" >"$tmp/devices"

# smartctl / nvme verdicts go to $tmp/health.NAME as key=value lines.
health() { # NAME PATH
    h=$tmp/health.$1
    case $1 in
    loop*)
        printf 'tool=none\npassed=null\ndetail=loop device\n' >"$h"; return ;;
    nvme*)
        if ! command -v nvme >/dev/null 2>&1; then
            printf 'tool=none\npassed=null\ndetail=nvme-cli not installed\n' >"$h"; return
        fi
        out=$(timeout 60 nvme smart-log -o json "$2" 2>&1)
        cw=$(printf '%s\n' "$out" | sed -n 's/.*"critical_warning"[[:space:]]*:[[:space:]]*\([0-9][0-9]*\).*/\1/p' | head -n 1)
        if [ -z "$cw" ]; then
            printf 'tool=none\npassed=null\ndetail=nvme smart-log: %s\n' "$(printf '%s' "$out" | head -n 1 | tr -c '[:print:]' ' ' | cut -c 1-200)" >"$h"; return
        fi
        pu=$(printf '%s\n' "$out" | sed -n 's/.*"percent\(age\)\{0,1\}_used"[[:space:]]*:[[:space:]]*\([0-9][0-9]*\).*/\2/p' | head -n 1)
        me=$(printf '%s\n' "$out" | sed -n 's/.*"media_errors"[[:space:]]*:[[:space:]]*\([0-9][0-9]*\).*/\1/p' | head -n 1)
        if [ "$cw" = 0 ]; then p=true; else p=false; fi
        printf 'tool=nvme\npassed=%s\ndetail=critical_warning=%s percentage_used=%s media_errors=%s\n' "$p" "$cw" "${pu:-?}" "${me:-?}" >"$h"
        return ;;
    esac
    if ! command -v smartctl >/dev/null 2>&1; then
        printf 'tool=none\npassed=null\ndetail=smartctl not installed\n' >"$h"; return
    fi
    out=$(timeout 60 smartctl -H -i -j "$2" 2>&1)
    p=$(printf '%s\n' "$out" | awk '/"smart_status"[[:space:]]*:/ { s = 1 } s && /"passed"[[:space:]]*:/ { if ($0 ~ /true/) print "true"; else print "false"; exit }')
    sn=$(printf '%s\n' "$out" | sed -n 's/^[[:space:]]*"serial_number"[[:space:]]*:[[:space:]]*"\([A-Za-z0-9 ._:-]*\)",\{0,1\}[[:space:]]*$/\1/p' | head -n 1)
    msg=$(printf '%s\n' "$out" | sed -n 's/^[[:space:]]*"string"[[:space:]]*:[[:space:]]*"\(.*\)",\{0,1\}[[:space:]]*$/\1/p' | head -n 1 | tr -c '[:print:]' ' ' | tr -d '\\"' | cut -c 1-200)
    case $p in
    true)  printf 'tool=smartctl\npassed=true\ndetail=SMART overall-health self-assessment: PASSED\n' >"$h" ;;
    false) printf 'tool=smartctl\npassed=false\ndetail=SMART overall-health self-assessment: FAILED%s\n' "${msg:+ ($msg)}" >"$h" ;;
    *)     printf 'tool=none\npassed=null\ndetail=smartctl: %s\n' "${msg:-no SMART status}" >"$h" ;;
    esac
    [ -n "$sn" ] && printf 'serial=%s\n' "$sn" >>"$h"
}

n=0
while read -r kind name path; do
    case $path in /dev/*) ;; *) continue ;; esac
    # blkid -p probes the device itself (no cache, no udev); its udev output
    # escapes unsafe bytes of LABEL_ENC/UUID_ENC as \xNN.
    timeout 60 blkid -p -o udev "$path" >"$tmp/blkid.$name" 2>/dev/null
    if [ "$kind" = disk ]; then
        n=$((n + 1))
        say "probing $path"
        health "$name" "$path"
    fi
done <"$tmp/devices"
say "$n disk(s) found"

awk -v at="$collected_at" -v dir="$tmp" -v loop="$include_loop" '
BEGIN { for (i = 1; i < 256; i++) ord[sprintf("%c", i)] = i; hexd = "0123456789abcdef" }
function val(k,   p, s) {
    p = index(" " $0, " " k "=\""); if (p == 0) return ""
    s = substr($0, p + length(k) + 2); return substr(s, 1, index(s, "\"") - 1)
}
function hex2(h) { h = tolower(h); return (index(hexd, substr(h, 1, 1)) - 1) * 16 + index(hexd, substr(h, 2, 1)) - 1 }
function unesc(s,   out, c) {
    out = ""
    while (match(s, /\\x[0-9A-Fa-f][0-9A-Fa-f]/)) {
        c = hex2(substr(s, RSTART + 2, 2))
        out = out substr(s, 1, RSTART - 1) (c == 0 ? "" : sprintf("%c", c)); s = substr(s, RSTART + 4)
    }
    return out s
}
# A valid UTF-8 sequence starting at byte i (lead byte o): sets U to its
# \u escape(s) and returns the number of continuation bytes, else 0.
function utf8(s, i, o,   n, cp, j, b) {
    n = o < 224 ? 1 : o < 240 ? 2 : 3
    cp = o < 224 ? o - 192 : o < 240 ? o - 224 : o - 240
    for (j = 1; j <= n; j++) {
        b = ord[substr(s, i + j, 1)]
        if (b < 128 || b > 191) return 0
        cp = cp * 64 + b - 128
    }
    if ((n == 2 && (cp < 2048 || (cp >= 55296 && cp <= 57343))) || (n == 3 && (cp < 65536 || cp > 1114111))) return 0
    if (cp < 65536) U = sprintf("\\u%04x", cp)
    else { cp -= 65536; U = sprintf("\\u%04x\\u%04x", 55296 + int(cp / 1024), 56320 + cp % 1024) }
    return n
}
function js(s,   out, i, c, o, k) {
    if (s == "") return "null"
    if (length(s) > 512) s = substr(s, 1, 512)
    out = "\""
    for (i = 1; i <= length(s); i++) {
        c = substr(s, i, 1); o = ord[c]
        if (c == "\"") out = out "\\\""
        else if (c == "\\") out = out "\\\\"
        else if (o >= 194 && o <= 244 && (k = utf8(s, i, o)) > 0) { out = out U; i += k }
        else if (o < 32 || o > 126) out = out sprintf("\\u%04x", o)
        else out = out c
    }
    return out "\""
}
function jnum(s) { return s ~ /^[0-9]+$/ ? s : "null" }
function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
function readkv(file, arr, prefix,   line, k) {
    while ((getline line < file) > 0) { k = index(line, "="); if (k > 0) arr[prefix substr(line, 1, k - 1)] = substr(line, k + 1) }
    close(file)
}
function fsinfo(name,   a) {
    split("", a); readkv(dir "/blkid." name, a, "")
    F["fstype"] = ("ID_FS_TYPE" in a) ? a["ID_FS_TYPE"] : ""
    F["label"] = ("ID_FS_LABEL_ENC" in a) ? unesc(a["ID_FS_LABEL_ENC"]) : ""
    F["uuid"] = ("ID_FS_UUID_ENC" in a) ? unesc(a["ID_FS_UUID_ENC"]) : ""
}
{
    t = val("TYPE"); n = val("NAME"); pk = val("PKNAME")
    if (n !~ /^[A-Za-z0-9._:+-]+$/) next
    if ((t == "disk" && n !~ /^(zram|ram)/) || (t == "loop" && loop == 1)) {
        nd++; D[nd] = n; isdisk[n] = nd
        fsinfo(n)
        split("", H); readkv(dir "/health." n, H, "")
        serial = trim(unesc(val("SERIAL"))); if (serial == "" && ("serial" in H)) serial = H["serial"]
        rota = val("ROTA"); rota = rota == "1" ? "true" : rota == "0" ? "false" : "null"
        tool = ("tool" in H) ? H["tool"] : "none"; passed = ("passed" in H) ? H["passed"] : "null"
        if (passed != "true" && passed != "false") passed = "null"
        detail = ("detail" in H) ? H["detail"] : "not probed"
        head[nd] = "{\"name\":" js(n) ",\"path\":" js(unesc(val("PATH"))) ",\"model\":" js(trim(unesc(val("MODEL")))) \
            ",\"serial\":" js(serial) ",\"size_bytes\":" jnum(val("SIZE")) ",\"rotational\":" rota \
            ",\"transport\":" js(unesc(val("TRAN"))) ",\"health\":{\"tool\":" js(tool) ",\"passed\":" passed \
            ",\"detail\":" js(detail) "}"
        tail[nd] = ",\"fstype\":" js(F["fstype"]) "}"
        parts[nd] = ""
    } else if (t == "part" && (pk in isdisk)) {
        i = isdisk[pk]; fsinfo(n)
        parts[i] = parts[i] (parts[i] == "" ? "" : ",") "{\"name\":" js(n) ",\"path\":" js(unesc(val("PATH"))) \
            ",\"size_bytes\":" jnum(val("SIZE")) ",\"fstype\":" js(F["fstype"]) ",\"label\":" js(F["label"]) \
            ",\"uuid\":" js(F["uuid"]) ",\"mountpoint\":" js(unesc(val("MOUNTPOINT"))) "}"
    }
}
END {
    printf "{\"version\":1,\"collected_at\":%s,\"disks\":[", js(at)
    for (i = 1; i <= nd; i++) printf "%s%s,\"partitions\":[%s]%s", (i > 1 ? "," : ""), head[i], parts[i], tail[i]
    printf "]}\n"
}' "$tmp/lsblk"
