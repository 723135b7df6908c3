#!/usr/bin/env bash
# ProxyDHCP benchmark (issue 5): PXE DISCOVERs from many MACs -> OFFERs, netrescue vs dnsmasq in proxy
# mode, side by side in one run. Both servers run in a namespace on one end of a veth pair with real
# ports (67/68; dnsmasq cannot be pointed at high ports for a client it must broadcast to), the load
# generator (bench/jmh DhcpLoad) in a second namespace on the other end. Needs root.
#   bench/dhcp.sh                       RUNS=3 SECONDS_=10 WARMUP=3 MACS=10000 WINDOW=64
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
. "$repo/tools/jdk.sh"
cd "$repo"
[ "$(id -u)" = 0 ] || { echo "bench/dhcp.sh needs root (network namespaces, port 67)" >&2; exit 2; }
RUNS=${RUNS:-3}; SECS=${SECONDS_:-10}; WARMUP=${WARMUP:-3}; MACS=${MACS:-10000}; WINDOW=${WINDOW:-64}
mvn -B -q -ntp -Pbench -pl bench/jmh -am package -DskipTests -Dmaven.test.skip=true
cp="bench/jmh/target/classes:$(ls bench/jmh/target/lib/*.jar | tr '\n' ':')"
id=$RANDOM; S=nrbs$id; C=nrbc$id; PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.3; for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  ip netns del $S 2>/dev/null || true; ip netns del $C 2>/dev/null || true
}
trap cleanup EXIT
ip netns add $S; ip netns add $C
ip -n $S link set lo up; ip -n $C link set lo up
ip -n $S link add srv0 type veth peer name cli0 netns $C
ip -n $S addr add 10.93.0.1/24 dev srv0; ip -n $C addr add 10.93.0.50/24 dev cli0
ip -n $S link set srv0 up; ip -n $C link set cli0 up
out=$(mktemp -d)
java=("$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -cp "$cp")

load() { ip netns exec $C "${java[@]}" io.netrescue.bench.DhcpLoad 10.93.0.1 "$SECS" "$WARMUP" "$MACS" "$WINDOW"; }
wait_for() { for _ in $(seq 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done; echo "server did not start: $(cat "$1")" >&2; return 1; }
stop() { kill "$1"; wait "$1" 2>/dev/null || true; PIDS=(); }

echo "== $(date -u +%FT%TZ) ProxyDHCP: ${SECS}s measured after ${WARMUP}s warm-up, $MACS MACs, window $WINDOW, $RUNS runs each"
for run in $(seq "$RUNS"); do
  NETRESCUE_LOG_LEVEL=WARN ip netns exec $S "${java[@]}" io.netrescue.bench.DhcpProxyMain srv0 http://10.93.0.1:8080 20 >"$out/nr.log" 2>&1 & PIDS=($!)
  wait_for "$out/nr.log" dhcp-bench-ready
  echo "netrescue run $run: $(load)"
  stop "${PIDS[0]}"
  ip netns exec $S dnsmasq --no-daemon --conf-file=/dev/null --port=0 --interface=srv0 --bind-interfaces \
     --dhcp-range=10.93.0.0,proxy,255.255.255.0 --pxe-service=x86PC,"bench",undionly --pxe-prompt=bench,0 \
     --quiet-dhcp --log-facility=- >"$out/dm.log" 2>&1 & PIDS=($!)
  sleep 1
  echo "dnsmasq   run $run: $(load)"
  stop "${PIDS[0]}"
done
