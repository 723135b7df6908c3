#!/usr/bin/env bash
# Benchmark: the server's resident memory over a burst of /boot.ipxe load and the idle time after
# it, and its /boot.ipxe rate, under each candidate JVM memory setting (issue 15, finding 4.8).
#
#   bench/memory.sh
#
# For each round and each candidate in turn (A B C A B C: a machine shared with other work slows
# every candidate alike), it starts `./netrescue serve` with NETRESCUE_JAVA_OPTS set to the
# candidate on a fresh data dir, adds HOSTS hosts (every 25th in rescue mode, as boot-ipxe.sh),
# then records RSS: idle after the set-up; after a wrk run; IDLE seconds later; after a second wrk
# run; IDLE seconds later; and the rate and p99 of both runs. Prints one table row per run and the
# median per candidate. Everything lives in a temporary directory removed on exit.
#
# Knobs (environment):
#   ROUNDS=2  DURATION=20s  IDLE=30  CONNS=64  THREADS=2  HOSTS=1000
#   ONLY="g1 parallel"   measure only these candidates (names below)
#   KEEP=1               keep the temporary directory
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
ROUNDS="${ROUNDS:-2}" DURATION="${DURATION:-20s}" IDLE="${IDLE:-30}" CONNS="${CONNS:-64}" THREADS="${THREADS:-2}" HOSTS="${HOSTS:-1000}"

# name|NETRESCUE_JAVA_OPTS, each naming a GC and the heap ceiling, so the launcher adds neither.
# "parallel" is the launcher's setting before issue 15 (the JVM's default ceiling, a quarter of RAM);
# "g1-512m-periodic-tight" is the launcher's setting since.
CANDIDATES=(
  "parallel|-XX:+UseParallelGC -XX:MaxRAMPercentage=25"
  "parallel-512m|-XX:+UseParallelGC -Xmx512m"
  "g1-512m-periodic|-XX:+UseG1GC -Xmx512m -XX:G1PeriodicGCInterval=15000"
  "g1-512m-periodic-tight|-XX:+UseG1GC -Xmx512m -XX:G1PeriodicGCInterval=15000 -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30"
  "zgc-512m|-XX:+UseZGC -Xmx512m -XX:ZUncommitDelay=15"
  "shenandoah-512m|-XX:+UseShenandoahGC -Xmx512m -XX:+UnlockExperimentalVMOptions -XX:ShenandoahUncommitDelay=15000 -XX:ShenandoahGuaranteedGCInterval=15000"
)

say() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { printf 'memory.sh: %s\n' "$*" >&2; exit 1; }
command -v wrk >/dev/null || die "needs wrk (apt-get install wrk)"
command -v curl >/dev/null || die "needs curl"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/netrescue-mem.XXXXXX")"
pid=""
stop() {
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid"; for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=""
}
trap 'rc=$?; stop; [ "${KEEP:-0}" = 1 ] && say "kept $tmp" || rm -rf "$tmp"; exit $rc' EXIT
trap 'exit 130' INT

free_port() { local p=18581; while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done; echo "$p"; }
rss_mb() { awk '$1 == "VmRSS:" {printf "%d", $2 / 1024}' "/proc/$1/status"; }
mac_of() { local n=$((1000 + $1)); printf '02:00:00:00:%02x:%02x' $(((n >> 8) & 255)) $((n & 255)); }

"$repo/netrescue" --version >"$tmp/build.log" 2>&1 || { tail -20 "$tmp/build.log" >&2; die "netrescue does not build"; }

# One curl process adds the hosts (the token stays in a 0600 file, not on a command line).
setup_hosts() { # url, data dir
  local url="$1" token i conf="$2/../hosts.curl"
  token="$(cat "$2/api-token")"
  umask 077
  {
    printf 'url = "%s/api/v1/profiles"\nrequest = "POST"\nheader = "Authorization: Bearer %s"\nheader = "Content-Type: application/json"\ndata = "{\\"name\\":\\"rescue\\",\\"kernel\\":\\"vmlinuz\\",\\"initrds\\":[\\"initrd.gz\\"],\\"cmdline\\":\\"host={host}\\"}"\noutput = "/dev/null"\n' "$url" "$token"
    for i in $(seq "$HOSTS"); do
      printf 'next\nurl = "%s/api/v1/hosts"\nrequest = "POST"\nheader = "Authorization: Bearer %s"\nheader = "Content-Type: application/json"\ndata = "{\\"name\\":\\"h%04d\\",\\"macs\\":[\\"%s\\"]}"\noutput = "/dev/null"\n' "$url" "$token" "$i" "$(mac_of "$i")"
    done
    for ((i = 25; i <= HOSTS; i += 25)); do
      printf 'next\nurl = "%s/api/v1/hosts/h%04d/boot"\nrequest = "PUT"\nheader = "Authorization: Bearer %s"\nheader = "Content-Type: application/json"\ndata = "{\\"mode\\":\\"rescue\\",\\"profile\\":\\"rescue\\"}"\noutput = "/dev/null"\n' "$url" "$i" "$token"
    done
  } >"$conf"
  # (not --parallel: the rescue modes need their hosts first)
  curl -fsS -K "$conf" >/dev/null 2>"$conf.err" || { cat "$conf.err" >&2; die "adding hosts failed"; }
}
wrk_run() { # url, out -> "req/s p99ms"
  wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s "$here/wrk-boot.lua" "$1" -- "$HOSTS" >"$2" 2>&1 || { cat "$2" >&2; die "wrk failed"; }
  ! grep -q 'Non-2xx\|Socket errors' "$2" || say "  wrk reports errors: $(grep 'Non-2xx\|Socket errors' "$2" | tr '\n' ' ')"
  awk '/^Requests\/sec:/ {r = $2} $1 == "99%" {p = $2} END {
    v = p + 0; u = p; sub(/^[0-9.]+/, "", u); if (u == "us") v /= 1000; else if (u == "s") v *= 1000
    printf "%.0f %.2f\n", r, v }' "$2"
}

echo "| round | candidate | RSS idle (MiB) | req/s run 1 | p99 run 1 (ms) | RSS after run 1 | RSS ${IDLE} s later | req/s run 2 | p99 run 2 (ms) | RSS after run 2 | RSS ${IDLE} s later |"
echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
declare -A results
for round in $(seq "$ROUNDS"); do
  for c in "${CANDIDATES[@]}"; do
    name="${c%%|*}" opts="${c#*|}"
    [ -z "${ONLY:-}" ] || [[ " $ONLY " == *" $name "* ]] || continue
    port="$(free_port)" url="http://127.0.0.1:$port" data="$tmp/$name-$round/data"
    mkdir -p "$data"
    say "round $round: $name ($opts)"
    NETRESCUE_JAVA_OPTS="$opts" "$repo/netrescue" serve --data "$data" --listen "127.0.0.1:$port" --heartbeats "" >"$tmp/$name-$round/log" 2>&1 &
    pid=$!
    for i in $(seq 600); do
      curl -fsS -o /dev/null "$url/api/v1/health" 2>/dev/null && break
      kill -0 "$pid" 2>/dev/null || { tail -20 "$tmp/$name-$round/log" >&2; die "$name: server exited"; }
      [ "$i" -lt 600 ] || die "$name: not healthy after 60 s"; sleep 0.1
    done
    setup_hosts "$url" "$data"
    sleep 5
    idle=$(rss_mb "$pid")
    read -r r1 p1 < <(wrk_run "$url" "$tmp/$name-$round/wrk1")
    a1=$(rss_mb "$pid"); sleep "$IDLE"; l1=$(rss_mb "$pid")
    read -r r2 p2 < <(wrk_run "$url" "$tmp/$name-$round/wrk2")
    a2=$(rss_mb "$pid"); sleep "$IDLE"; l2=$(rss_mb "$pid")
    stop
    echo "| $round | $name | $idle | $r1 | $p1 | $a1 | $l1 | $r2 | $p2 | $a2 | $l2 |"
    results[$name]+="$idle $r1 $a1 $l1 $r2 $a2 $l2;"
  done
done
echo
echo "Median per candidate (rate: both runs of every round; RSS: peak after a run, and ${IDLE} s after the second):"
echo
echo "| candidate | NETRESCUE_JAVA_OPTS | req/s (median) | RSS idle | RSS after load (max) | RSS ${IDLE} s after the 2nd run (median) |"
echo "|---|---|---:|---:|---:|---:|"
for c in "${CANDIDATES[@]}"; do
  name="${c%%|*}" opts="${c#*|}"
  [ -n "${results[$name]:-}" ] || continue
  printf '%s' "${results[$name]}" | tr ';' '\n' | awk -v n="$name" -v o="${opts:-(launcher default)}" '
    function med(a, k,   i, j, t) { for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
      return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2 }
    NF == 7 { rs[++nr] = $2; rs[++nr] = $5; id[++ni] = $1; tail[++nt] = $7; if ($3 > peak) peak = $3; if ($6 > peak) peak = $6 }
    END { printf "| %s | `%s` | %.0f | %.0f | %d | %.0f |\n", n, o, med(rs, nr), med(id, ni), peak, med(tail, nt) }'
done
