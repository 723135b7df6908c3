#!/usr/bin/env bash
# Watchdog fleet benchmark (issue 3): one process simulates N agents sending signed heartbeats on
# loopback to a real `./netrescue serve` pinned to 2 cores; after a steady period it stops KILL
# hosts and reads from the server's timeline when each became suspect and down, and how many live
# hosts were suspected (1% random loss). Also samples the server's CPU and RSS over the steady window.
#   N="10000 50000 100000" INTERVAL_MS=1000 LOSS=0.01 STEADY=120 KILL=20 bench/fleet.sh
# There is no anchor tool for this (no open-source heartbeat server to run side by side); the
# figures are compared against the goal: 100,000 hosts, a dead host detected within 10 s, no false
# suspicion at 1% loss.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
. "$repo/tools/jdk.sh"
cd "$repo"
NS=${N:-"10000 50000 100000"}
INTERVAL_MS=${INTERVAL_MS:-1000}
LOSS=${LOSS:-0.01}
STEADY=${STEADY:-120}
KILL=${KILL:-20}
DOWN_AFTER=${DOWN_AFTER:-3s}
mvn -B -q -ntp -Pbench -pl bench/jmh -am package -DskipTests -Dmaven.test.skip=true
cp="bench/jmh/target/classes:$(ls bench/jmh/target/lib/*.jar | tr '\n' ':')"
echo "== machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
for n in $NS; do
  work=$(mktemp -d /tmp/netrescue-fleet.XXXXXX)
  cat > "$work/netrescue.toml" <<TOML
[http]
listen = "127.0.0.1:18181"
[store]
data = "$work/data"
[watchdog]
listen = "127.0.0.1:16100"
interval = "${INTERVAL_MS}ms"
down-after = "$DOWN_AFTER"
ladder = false
TOML
  taskset -c 0,1 ./netrescue serve --config "$work/netrescue.toml" > "$work/server.log" 2>&1 &
  pid=$!
  trap 'kill $pid 2>/dev/null; rm -rf "$work"' EXIT
  for i in $(seq 100); do curl -sf http://127.0.0.1:18181/api/v1/health >/dev/null && break; sleep 0.3; done
  # the launcher execs java: $pid is the server's JVM
  token=$(cat "$work/data/api-token")
  echo "== N=$n interval=${INTERVAL_MS}ms loss=$LOSS steady=${STEADY}s kill=$KILL down-after=$DOWN_AFTER (server pid $pid on CPUs 0,1; the simulator shares them)"
  "$JAVA_HOME/bin/java" -Xmx1g -cp "$cp" io.netrescue.bench.FleetSimulator http://127.0.0.1:18181 "$work/data" "$token" "$n" \
      "$INTERVAL_MS" "$LOSS" "$STEADY" "$KILL" 16100 "$pid"
  # the JVM's RSS follows its heap sizing, not what the hosts need: the live heap after a full GC does
  "$JAVA_HOME/bin/jcmd" $pid GC.run >/dev/null 2>&1 || true
  # the generations' lines (PSYoungGen, ParOldGen, or G1's "garbage-first heap"), not Metaspace
  used=$("$JAVA_HOME/bin/jcmd" $pid GC.heap_info 2>/dev/null | grep -E '^ *(PSYoungGen|ParOldGen|garbage-first heap)' \
    | grep -oE 'used [0-9]+K' | grep -oE '[0-9]+' | awk '{s+=$1} END {print s+0}')
  echo "SERVER live heap after a full GC: $((used / 1024)) MiB ($(awk -v u="$used" -v n="$n" 'BEGIN{printf "%.1f", u/1024/(n/10000)}') MiB per 10k hosts)"
  kill $pid; wait $pid 2>/dev/null || true
  rm -rf "$work"
  trap - EXIT
done
