#!/bin/bash
# Boot the rescue image in QEMU TCG (direct -kernel/-initrd, user networking, hostfwd ssh) and log in
# with the real ssh client, StrictHostKeyChecking=yes against the host key the guest printed on ttyS0.
# FORM=initramfs (out/rescue.cpio.zstd) | squashfs (out/stage1.cpio.gz, fetches out/root.sqfs over HTTP)
# RUNS=3 MEM=1024 (MiB). Prints per-run "QEMU start -> ssh success" time and the median.
set -u
HERE=$(cd "$(dirname "$0")" && pwd); OUT=${OUT:-$HERE/out}
FORM=${FORM:-initramfs}; RUNS=${RUNS:-3}; MEM=${MEM:-1024}; COMP=${COMP:-zstd}
PORT=${PORT:-18090}; SSHPORT=${SSHPORT:-10022}; TIMEOUT=${TIMEOUT:-240}
MAC=52:54:00:12:34:56; TOKEN=test-$(date +%s)-$$
L=$HERE/logs; mkdir -p "$L"; W=$(mktemp -d /tmp/rescuetest.XXXX); PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$W"; }
trap cleanup EXIT
case "$FORM" in
  initramfs) INITRD=$OUT/rescue.cpio.$COMP ;;
  squashfs)  INITRD=$OUT/stage1.cpio.gz ;;
  *) echo "FORM?"; exit 2 ;;
esac
ssh-keygen -q -t ed25519 -N '' -C rescue-test -f "$W/id"
mkdir -p "$W/www"; cp "$W/id.pub" "$W/www/authorized_keys"; ln -s "$OUT/root.sqfs" "$W/www/root.sqfs"
# tiny config server: GET files (token checked), POST /hostkeys stored for comparison
cat > "$W/srv.py" <<'PY'
import http.server, os, sys
TOKEN, ROOT, LOG = sys.argv[2], sys.argv[3], sys.argv[4]
class H(http.server.SimpleHTTPRequestHandler):
    def __init__(s, *a, **k): super().__init__(*a, directory=ROOT, **k)
    def ok(s):
        if s.headers.get('X-Rescue-Token') != TOKEN: s.send_error(403); return False
        return True
    def do_GET(s):
        if s.ok(): super().do_GET()
    def do_POST(s):
        if not s.ok(): return
        b = s.rfile.read(int(s.headers.get('Content-Length', 0)))
        with open(LOG, 'ab') as f: f.write(b)
        s.send_response(204); s.end_headers()
http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()
PY
python3 "$W/srv.py" $PORT "$TOKEN" "$W/www" "$W/posted" 2>"$L/http.log" & PIDS+=($!)
sleep 0.5
APPEND="console=ttyS0 loglevel=4 panic=-1 BOOTIF=01-${MAC//:/-} rescue.url=http://10.0.2.2:$PORT rescue.token=$TOKEN ${EXTRA_APPEND:-}"
times=(); RC=0
for i in $(seq 1 "$RUNS"); do
  S=$L/$FORM-m$MEM-$i.serial; : > "$S"; rm -f "$W/posted" "$W/kh"
  T0=$(date +%s.%N)
  qemu-system-x86_64 -accel tcg -m "$MEM" -smp 1 -nographic -no-reboot \
    -kernel "$OUT/vmlinuz" -initrd "$INITRD" -append "$APPEND" \
    -netdev user,id=n0,hostfwd=tcp:127.0.0.1:$SSHPORT-:22 -device virtio-net-pci,netdev=n0,mac=$MAC \
    </dev/null >"$S" 2>&1 & Q=$!; PIDS+=($Q)
  ok=0
  while kill -0 $Q 2>/dev/null; do
    el=$(echo "$(date +%s.%N) - $T0" | bc)
    (( $(echo "$el > $TIMEOUT" | bc) )) && break
    if [ ! -s "$W/kh" ] && grep -qa 'RESCUE-HOSTKEY ssh-ed25519' "$S"; then
      tr -d '\r' < "$S" | awk -v h="[127.0.0.1]:$SSHPORT" '/RESCUE-HOSTKEY/{print h, $2, $3}' > "$W/kh"
    fi
    if [ -s "$W/kh" ] && OUTP=$(ssh -q -i "$W/id" -p $SSHPORT -o StrictHostKeyChecking=yes \
        -o UserKnownHostsFile="$W/kh" -o ConnectTimeout=5 -o BatchMode=yes root@127.0.0.1 \
        'cut -d" " -f1 /proc/uptime; free -m | awk "/Mem:/{print \$3}"' 2>/dev/null); then
      T=$(echo "$(date +%s.%N) - $T0" | bc); ok=1; break
    fi
    sleep 0.3
  done
  if [ $ok = 1 ]; then
    set -- $OUTP
    # the fingerprint POSTed to the server must match the key we trusted
    fp=$(ssh-keygen -l -E sha256 -f "$W/kh" | awk '{print $2}')
    grep -q "$fp" "$W/posted" 2>/dev/null && post="POST ok" || post="POST MISSING"
    times+=("$T")
    echo "run $i ($FORM, -m $MEM): QEMU start -> ssh ok ${T}s; guest uptime at login $1 s, used RAM $2 MiB; $post"
    tr -d '\r' < "$S" | grep -a -E 'RESCUE-(T|DMESG)' | sed 's/^/    /'
    ssh -q -i "$W/id" -p $SSHPORT -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$W/kh" root@127.0.0.1 'busybox poweroff -f' 2>/dev/null
  else
    echo "run $i ($FORM, -m $MEM): FAIL (see $S)"; tr -d '\r' < "$S" | tail -5 | sed 's/^/    /'; RC=1
  fi
  kill $Q 2>/dev/null; wait $Q 2>/dev/null
done
[ ${#times[@]} -gt 0 ] && echo "median $FORM -m $MEM: $(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}') s over ${#times[@]} runs"
exit $RC
