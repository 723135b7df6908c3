#!/bin/bash
# The prototype image against the real netrescue server: activate rescue for a host with an SSH key
# and a password, take the per-boot token from the host's boot decision (/boot.ipxe), boot the image
# in QEMU TCG with that command line, and log in with ssh StrictHostKeyChecking=yes against the
# known_hosts line the SERVER gives (from the host keys the guest reported), then end the activation
# and show that the token is refused. Needs root-free QEMU, the built image (build.sh), curl, ssh.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd); REPO=$(cd "$HERE/../.." && pwd); OUT=${OUT:-$HERE/out}
PORT=${PORT:-18095}; SSHPORT=${SSHPORT:-10023}; MAC=52:54:00:12:34:57
W=$(mktemp -d /tmp/rescue-e2e.XXXX); PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$W"; }
trap cleanup EXIT
nr() { "$REPO/netrescue" "$@" --server "http://127.0.0.1:$PORT" --data "$W/data"; }
mkdir -p "$W/data/assets/rescue"
ln -s "$OUT/vmlinuz" "$W/data/assets/rescue/vmlinuz"; ln -s "$OUT/rescue.cpio.zstd" "$W/data/assets/rescue/initrd"
"$REPO/netrescue" serve --data "$W/data" --assets "$W/data/assets" --listen 127.0.0.1:$PORT --heartbeats "" \
  --public-url "http://10.0.2.2:$PORT" > "$W/server.log" 2>&1 & PIDS+=($!)
for i in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/api/v1/health" >/dev/null && break; sleep 0.2; done
nr host add web1 --mac $MAC --ip 127.0.0.1 >/dev/null
nr profile add rescue --kernel rescue/vmlinuz --initrd rescue/initrd \
  --cmdline "console=ttyS0 loglevel=4 panic=-1 BOOTIF=01-${MAC//:/-} rescue.url={server} rescue.token={token}" >/dev/null
ssh-keygen -q -t ed25519 -N '' -C e2e -f "$W/id"
nr rescue activate web1 --ssh-key "$W/id.pub" --password --for 30m | tee "$W/activate.txt"
PW=$(sed -n 's/.*root password (shown once, never again): //p' "$W/activate.txt")
SCRIPT=$(curl -fs "http://127.0.0.1:$PORT/boot.ipxe?mac=${MAC//:/-}&ip=127.0.0.1&uuid=&arch=x86_64&platform=pcbios")
APPEND=$(echo "$SCRIPT" | sed -n 's/^kernel [^ ]* \(.*\)$/\1/p' | sed 's/ *|| goto.*//; s/initrd=[^ ]* *//')
echo "boot script command line: $APPEND"
TOKEN=$(echo "$APPEND" | sed -n 's/.*rescue\.token=\([^ ]*\).*/\1/p')
T0=$(date +%s.%N)
qemu-system-x86_64 -accel tcg -m 1024 -smp 1 -nographic -no-reboot -kernel "$OUT/vmlinuz" -initrd "$OUT/rescue.cpio.zstd" \
  -append "$APPEND" -netdev user,id=n0,hostfwd=tcp:127.0.0.1:$SSHPORT-:22 -device virtio-net-pci,netdev=n0,mac=$MAC \
  </dev/null > "$W/serial" 2>&1 & PIDS+=($!)
for i in $(seq 300); do nr rescue known-hosts web1 > "$W/kh.server" 2>/dev/null && break; sleep 0.5; done
[ -s "$W/kh.server" ] || { tail -20 "$W/serial"; echo "FAIL: never reported ready"; exit 1; }
awk -v h="[127.0.0.1]:$SSHPORT" '{print h, $2, $3}' "$W/kh.server" > "$W/kh"   # the port-forwarded name of the same keys
echo "ready after $(echo "$(date +%s.%N) - $T0" | bc) s; server's known_hosts: $(cat "$W/kh.server")"
for i in $(seq 60); do
  ssh -q -i "$W/id" -p $SSHPORT -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$W/kh" -o BatchMode=yes root@127.0.0.1 \
    'echo KEY-LOGIN-OK $(hostname) $(cut -d" " -f1 /proc/uptime)' 2>/dev/null && break; sleep 0.5; done
if command -v sshpass >/dev/null; then
  SSHPASS=$PW sshpass -e ssh -q -p $SSHPORT -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$W/kh" -o PubkeyAuthentication=no \
    root@127.0.0.1 'echo PASSWORD-LOGIN-OK' || echo "password login FAILED"
fi
nr rescue status web1
nr rescue end web1
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/rescue/settings")
echo "token after rescue end: HTTP $code (403 expected)"
nr events web1 | grep -E 'rescue|boot.mode' | cut -c1-160
