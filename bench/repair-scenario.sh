#!/usr/bin/env bash
# Issue 14's scenario, timed: RepairJobQemuTest (a broken installed system repaired by queued jobs that
# the watchdog's ladder runs in the rescue system, no person in the loop) run RUNS times; prints each
# run's phases from the host's timeline and the time from the broken boot to health up again.
# Root (network namespaces, QEMU TCG). The rescue image is built once (cached under /var/cache).
# Usage: sudo RUNS=3 bench/repair-scenario.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/jdk.sh
RUNS=${RUNS:-3}
for i in $(seq 1 "$RUNS"); do
  log=$(mktemp /tmp/repair-scenario.XXXXXX)
  if ! mvn -B -ntp -o -q -pl core,agent,server -am verify -Dgroups=qemu -Dtest=RepairJobQemuTest \
       -Dsurefire.failIfNoSpecifiedTests=false -Djacoco.skip=true >"$log" 2>&1; then
    echo "run $i failed: $log" >&2; exit 1
  fi
  echo "run $i: $(grep -h '\[RepairJobQemuTest\] \(broken\|phases\)' "$log" | sed 's/\[RepairJobQemuTest\] //' | paste -sd ';')"
  rm -f "$log"
done
echo "machine: $(nproc) CPUs, $(uname -r), $(qemu-system-x86_64 --version | head -1)"
