#!/usr/bin/env bash
# SysRq benchmarks (issue 6): requests verified per second per core on the agent's receive path
# (JMH), and end-to-end latency from the `netrescue sysrq` API call to the trigger write and back.
#   bench/sysrq.sh            (JMH: 3 warm-up + 5 measured iterations of 2 s; latency: 500 requests)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
. "$repo/tools/jdk.sh"
cd "$repo"
mvn -B -q -ntp -Pbench -pl bench/jmh -am package -DskipTests -Dmaven.test.skip=true
cp="bench/jmh/target/classes:$(ls bench/jmh/target/lib/*.jar | tr '\n' ':')"
echo "== JMH: agent receive path (decode + HMAC verify + replay check), 1 thread"
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$cp" org.openjdk.jmh.Main SysrqReceiveBenchmark -rf text -rff /dev/null 2>&1 \
  | grep -E '^(Benchmark|SysrqReceive)'
echo "== end-to-end latency on loopback"
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$cp" io.netrescue.bench.SysrqLatency "${N:-500}" 2>/dev/null
