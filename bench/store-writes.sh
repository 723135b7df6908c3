#!/usr/bin/env bash
# Write latency of the store, through the API: p50/p99 per acknowledged change (host add, boot mode
# set) with 1 writer and with 8 concurrent writers, against the real server process (no kills).
#
#   bench/store-writes.sh
#   WRITERS="1 8 32" SECONDS_=30 bench/store-writes.sh
#
# For each writer count: a fresh server on a fresh data directory (profiles rescue and stable), then
# WRITERS virtual threads, each in a loop: half host adds (POST /api/v1/hosts), half boot mode sets
# (PUT /api/v1/hosts/NAME/boot: local, rescue, profile stable, once stable) on its own hosts. Every
# change is acknowledged only after its commit and sync (docs/api.md), so the latency is the store's
# durable write path plus HTTP. The first WARMUP seconds are not counted. The driver is
# CrashHarnessTest#writeLatency (through Maven, building what is stale; nothing is installed).
#
# Knobs (environment):
#   WRITERS="1 8"     writer counts, one fresh server each
#   SECONDS_=20       measured seconds per writer count
#   WARMUP=5          seconds before measuring
#   OUT=bench/out/store-writes-DATE.txt   the tables; the Maven output goes next to it (.log)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
. "$repo/tools/jdk.sh"
command -v mvn >/dev/null || { echo "store-writes.sh: needs Maven (apt-get install maven)" >&2; exit 2; }

WRITERS="${WRITERS:-1 8}"
SECONDS_="${SECONDS_:-20}"
WARMUP="${WARMUP:-5}"
for w in $WRITERS; do [[ "$w" =~ ^[1-9][0-9]*$ ]] || { echo "store-writes.sh: WRITERS entries must be numbers >= 1" >&2; exit 2; }; done
[[ "$SECONDS_" =~ ^[1-9][0-9]*$ && "$WARMUP" =~ ^[0-9]+$ ]] || { echo "store-writes.sh: SECONDS_ and WARMUP must be numbers" >&2; exit 2; }
mkdir -p "$repo/bench/out"
OUT="${OUT:-$repo/bench/out/store-writes-$(date +%Y%m%d-%H%M%S).txt}"
OUT="$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")"
log="${OUT%.txt}.log"
rm -f "$OUT"

printf '[%(%H:%M:%S)T] store writes: writers {%s}, %s s each after %s s warm-up; maven output in %s\n' -1 "$WRITERS" "$SECONDS_" "$WARMUP" "$log" >&2
start=$SECONDS
rc=0
(cd "$repo" && mvn -B -ntp -pl server -am verify -Dtest='CrashHarnessTest#writeLatency' -Dsurefire.failIfNoSpecifiedTests=false \
  -Dnetrescue.bench.writes=true -Dnetrescue.bench.writers="$(echo $WRITERS | tr ' ' ,)" \
  -Dnetrescue.bench.seconds="$SECONDS_" -Dnetrescue.bench.warmup="$WARMUP" -Dnetrescue.crash.report="$OUT") >"$log" 2>&1 || rc=$?

echo "== store writes, $(date -u +%FT%TZ), $(git -C "$repo" describe --always --dirty 2>/dev/null), $((SECONDS - start)) s wall, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -s "$OUT" ]; then cat "$OUT"; else echo "no result; the end of $log:"; grep -E 'ERROR|Exception' "$log" | head -30; fi
exit "$rc"
