#!/usr/bin/env bash
# Crash soak: CrashHarness (server/src/test/java/io/netrescue/store/CrashHarness.java) for hundreds of
# SIGKILL cycles against the real server process, through the HTTP API and /boot.ipxe only.
#
#   bench/crash-soak.sh                      # 300 cycles
#   CYCLES=1000 SECONDS_=900 bench/crash-soak.sh   # as many cycles as fit in 15 minutes (at most 1000)
#
# Each cycle: 8 writers (virtual threads) add hosts, set boot modes (local, rescue, profile, once with
# a profile of its own), remove hosts and ask /boot.ipxe (spending onces); the server is SIGKILLed at
# a random moment, restarted on the same data directory and compared with what was acknowledged.
# Prints one line per cycle, then the totals (acknowledged, lost, double-served onces, anomalies), the
# latency of acknowledged requests, and every loss by name. Runs through Maven (surefire), building
# what is stale; never installs anything into ~/.m2.
#
# Knobs (environment):
#   CYCLES=300        cycles (upper bound when SECONDS_ is set)
#   SECONDS_=0        time budget: no cycle starts after this many seconds (0 = no budget)
#   WRITERS=8         concurrent writers
#   RANDOM_MS=1500    the kill comes 0..RANDOM_MS after the cycle's first MIN_ACKED acknowledged writes
#   MIN_ACKED=20
#   SEED=             fixed seed (default: a random one, printed)
#   FROM=             start from a copy of this data directory (its hosts are verified, never written)
#   OUT=bench/out/crash-soak-DATE.txt   the summary; the full Maven output goes next to it (.log)
#   KEEP=             a directory: keep the data directory and every server log there
#
# Exit status: 0 when nothing was lost, 1 when something was lost or the harness failed (the summary
# says which), 2 for a usage error.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
. "$repo/tools/jdk.sh"
command -v mvn >/dev/null || { echo "crash-soak.sh: needs Maven (apt-get install maven)" >&2; exit 2; }

CYCLES="${CYCLES:-300}"
SECONDS_="${SECONDS_:-0}"
WRITERS="${WRITERS:-8}"
RANDOM_MS="${RANDOM_MS:-1500}"
MIN_ACKED="${MIN_ACKED:-20}"
for v in CYCLES SECONDS_ WRITERS RANDOM_MS MIN_ACKED; do
  [[ "${!v}" =~ ^[0-9]+$ ]] || { echo "crash-soak.sh: $v must be a number" >&2; exit 2; }
done
mkdir -p "$repo/bench/out"
OUT="${OUT:-$repo/bench/out/crash-soak-$(date +%Y%m%d-%H%M%S).txt}"
OUT="$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")"
log="${OUT%.txt}.log"
rm -f "$OUT"

args=(-B -ntp -pl server -am verify
  -Dtest='CrashHarnessTest#acknowledgedChangesSurviveRandomSigkills' -Dsurefire.failIfNoSpecifiedTests=false
  -Dnetrescue.crash.cycles="$CYCLES" -Dnetrescue.crash.seconds="$SECONDS_" -Dnetrescue.crash.writers="$WRITERS"
  -Dnetrescue.crash.random-ms="$RANDOM_MS" -Dnetrescue.crash.min-acked="$MIN_ACKED" -Dnetrescue.crash.report="$OUT")
[ -n "${SEED:-}" ] && args+=(-Dnetrescue.crash.seed="$SEED")
[ -n "${FROM:-}" ] && args+=(-Dnetrescue.crash.from="$(cd "$FROM" && pwd)")
[ -n "${KEEP:-}" ] && { mkdir -p "$KEEP"; args+=(-Dnetrescue.crash.dir="$(cd "$KEEP" && pwd)"); }

printf '[%(%H:%M:%S)T] crash soak: %s cycles (budget %s s), %s writers; %s; maven output in %s\n' -1 \
  "$CYCLES" "$SECONDS_" "$WRITERS" "$(git -C "$repo" describe --always --dirty 2>/dev/null || echo unknown)" "$log" >&2
start=$SECONDS
rc=0
# Progress: the harness's per-cycle lines (and losses) as they come.
(cd "$repo" && mvn "${args[@]}") >"$log" 2>&1 &
mvn_pid=$!
trap 'kill "$mvn_pid" 2>/dev/null || true' INT TERM
tail -n +1 -f "$log" --pid="$mvn_pid" 2>/dev/null | grep --line-buffered -E '^(crash harness|adopted|cycle +[0-9]+:|  (LOST|LOST-AUDIT|DOUBLE-SERVED|ANOMALY)|time budget)' >&2 || true
wait "$mvn_pid" || rc=$?

echo "== crash soak, $(date -u +%FT%TZ), $(git -C "$repo" describe --always --dirty 2>/dev/null), $((SECONDS - start)) s wall, $(nproc) CPUs"
if [ -s "$OUT" ]; then
  grep -v '^cycle ' "$OUT"
else
  echo "no summary: the harness did not finish; the end of $log:"
  grep -E 'ERROR|Exception|AssertionError' "$log" | head -40
fi
[ "$rc" -eq 0 ] || exit 1
