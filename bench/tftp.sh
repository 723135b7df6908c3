#!/usr/bin/env bash
# TFTP throughput and boot storm (issue 5): `./netrescue serve --tftp` vs tftpd-hpa and dnsmasq, side by
# side in one run, on the loopback of a private network namespace (dnsmasq's TFTP port is always 69).
# netrescue runs exactly as deployed (the launcher, its JVM flags, NETRESCUE_JAVA_OPTS if set), with a
# fresh --data directory; only the per-source limit is raised so the storm's 500 transfers from one
# address are admitted.
#   sudo bench/tftp.sh              RUNS=3 (each case, interleaved), SIZE_MB=64, STORM=500
# Prints a Markdown summary on stdout; progress on stderr. Needs root, curl, atftp, tftp-hpa, tftpd-hpa, dnsmasq.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
RUNS=${RUNS:-3}; SIZE_MB=${SIZE_MB:-64}; STORM=${STORM:-500}; STORM_RUNS=${STORM_RUNS:-3}

if [ -z "${TFTP_BENCH_INNER:-}" ]; then
  [ "$(id -u)" = 0 ] || { echo "bench/tftp.sh: needs root (dnsmasq serves TFTP on port 69 only; runs in its own network namespace)" >&2; exit 2; }
  for c in curl atftp tftp in.tftpd dnsmasq unshare ip; do
    command -v "$c" >/dev/null || { echo "bench/tftp.sh: $c is missing (apt-get install curl atftp tftp-hpa tftpd-hpa dnsmasq-base iproute2)" >&2; exit 2; }
  done
  . "$repo/tools/jdk.sh"
  cd "$repo"
  echo "== building" >&2
  mvn -B -q -ntp -pl server -am test-compile dependency:build-classpath -Dmdep.outputFile=target/test-cp.txt -Dmdep.includeScope=test >&2
  "$repo/netrescue" --help >/dev/null # the launcher (re)builds the server jar when the sources changed
  export TFTP_BENCH_CP="$repo/server/target/test-classes:$repo/server/target/classes:$(cat "$repo/server/target/test-cp.txt")"
  export TFTP_BENCH_INNER=1 JAVA_HOME
  exec unshare -n "$0" "$@"
fi

ip link set lo up
# tftpd-hpa resolves its -a address with AI_ADDRCONFIG, which fails when only loopback is configured
ip link add tftpb0 type veth peer name tftpb1 && ip addr add 10.255.0.1/24 dev tftpb0 && ip link set tftpb0 up && ip link set tftpb1 up
work=$(mktemp -d /tmp/tftp-bench.XXXXXX); chmod 755 "$work"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT INT TERM
mkdir "$work/root" "$work/out"; chmod 755 "$work/root"
head -c $((SIZE_MB << 20)) /dev/urandom > "$work/root/big.bin"
head -c $((1 << 20)) /dev/urandom > "$work/root/boot.img"
want=$(sha256sum < "$work/root/big.bin" | cut -d' ' -f1)
java="$JAVA_HOME/bin/java"

printf '[tftp]\nmax-transfers = 1000\nmax-transfers-per-source = 1000\n' > "$work/netrescue.toml"
"$repo/netrescue" serve --config "$work/netrescue.toml" --data "$work/data" --assets "$work/root" --listen 127.0.0.1:6980 \
  --public-url http://127.0.0.1:6980 --tftp 127.0.0.1:6901 > "$work/ours.out" 2>&1 & pids+=($!)
in.tftpd -L -a 127.0.0.1:6902 -s "$work/root" & pids+=($!)
dnsmasq --no-daemon --conf-file=/dev/null --port=0 --enable-tftp --tftp-root="$work/root" --listen-address=127.0.0.1 \
  --bind-interfaces --user=root --tftp-max=1000 --quiet-tftp 2> "$work/dnsmasq.err" & pids+=($!)
for i in $(seq 300); do grep -q "TFTP server started" "$work/ours.out" 2>/dev/null && break; sleep 0.1; done
grep -q "TFTP server started" "$work/ours.out" || { echo "bench/tftp.sh: netrescue did not start:" >&2; cat "$work/ours.out" >&2; exit 1; }
declare -A port=([netrescue]=6901 [tftpd-hpa]=6902 [dnsmasq]=69)
servers=(netrescue tftpd-hpa dnsmasq)

client() { # case server out
  local p=${port[$2]}
  case $1 in
    curl-512) curl -s "tftp://127.0.0.1:$p/big.bin" --tftp-blksize 512 -o "$3" ;;
    curl-1468) curl -s "tftp://127.0.0.1:$p/big.bin" --tftp-blksize 1468 -o "$3" ;;
    tftp-hpa-512) tftp -m binary 127.0.0.1 "$p" -c get big.bin "$3" >/dev/null ;;
    atftp-1468-w16) atftp --option "blksize 1468" --option "windowsize 16" -g -r big.bin -l "$3" 127.0.0.1 "$p" 2>/dev/null ;;
  esac
}
cases=(curl-512 curl-1468 tftp-hpa-512 atftp-1468-w16)
declare -A secs
# warm-up (the JIT, the page cache)
client curl-1468 netrescue "$work/out/warm"; client curl-512 netrescue "$work/out/warm"
for run in $(seq "$RUNS"); do
  for c in "${cases[@]}"; do
    # rotate the order so no server always goes first
    for k in 0 1 2; do
      s=${servers[$(( (k + run) % 3 ))]}
      out="$work/out/$s-$c"; rm -f "$out"
      t0=$(date +%s.%N)
      if timeout --foreground 300 bash -c "$(declare -f client); $(declare -p port); client $c $s $out"; then
        t1=$(date +%s.%N)
        got=$(sha256sum < "$out" | cut -d' ' -f1)
        if [ "$got" = "$want" ]; then secs[$s,$c]+="$(echo "$t1 - $t0" | bc) "; else secs[$s,$c]+="BAD "; fi
      else
        secs[$s,$c]+="FAIL "
      fi
      echo "run $run $c $s: ${secs[$s,$c]}" >&2
    done
  done
done

median() { tr ' ' '\n' | grep -E '^[0-9.]+$' | sort -n | awk '{a[NR]=$1} END {if (NR==0) print "-"; else print a[int((NR+1)/2)]}'; }
# the fastest run: on a shared machine, the run least disturbed by other work
fastest() { tr ' ' '\n' | grep -E '^[0-9.]+$' | sort -n | head -1 | grep . || echo -; }
rate() { [ "$1" = - ] && echo - || echo "scale=1; $SIZE_MB / $1" | bc; }
echo "## TFTP: ${SIZE_MB} MiB file on loopback, $RUNS runs per case (median, MiB/s; all runs in seconds)"
echo
echo "| client, setting | netrescue | tftpd-hpa | dnsmasq | netrescue / best anchor (medians) | same, fastest runs |"
echo "|---|---|---|---|---:|---:|"
for c in "${cases[@]}"; do
  row="| $c |"; best=""; bestf=""
  for s in "${servers[@]}"; do
    m=$(echo "${secs[$s,$c]}" | median); r=$(rate "$m")
    f=$(echo "${secs[$s,$c]}" | fastest); rf=$(rate "$f")
    row+=" **$r** (${secs[$s,$c]% }s) |"
    if [ "$s" != netrescue ] && [ "$r" != - ]; then
      if [ -z "$best" ] || [ "$(echo "$r > $best" | bc)" = 1 ]; then best=$r; fi
      if [ -z "$bestf" ] || [ "$(echo "$rf > $bestf" | bc)" = 1 ]; then bestf=$rf; fi
    fi
    [ "$s" = netrescue ] && ours=$r && oursf=$rf
  done
  if [ -n "$best" ] && [ "$ours" != - ]; then row+=" $(echo "scale=2; $ours / $best" | bc)x | $(echo "scale=2; $oursf / $bestf" | bc)x |"; else row+=" - | - |"; fi
  echo "$row"
done
lock=$(echo "${secs[netrescue,curl-1468]}" | median); win=$(echo "${secs[netrescue,atftp-1468-w16]}" | median)
lockf=$(echo "${secs[netrescue,curl-1468]}" | fastest); winf=$(echo "${secs[netrescue,atftp-1468-w16]}" | fastest)
[ "$lock" != - ] && [ "$win" != - ] && echo && echo "netrescue windowsize 16 vs its lock-step rate at blksize 1468: $(echo "scale=2; $lock / $win" | bc)x (medians), $(echo "scale=2; $lockf / $winf" | bc)x (fastest runs)"

echo
echo "## Boot storm: $STORM concurrent downloads of a 1 MiB file (blksize 1468, same Java client for each server)"
echo
echo "| server | seconds per storm (runs) | median | all complete |"
echo "|---|---|---:|---|"
for s in netrescue tftpd-hpa dnsmasq; do
  all=""; okall=yes
  for r in $(seq "$STORM_RUNS"); do
    line=$("$java" -cp "$TFTP_BENCH_CP" io.netrescue.tftp.server.TftpStorm 127.0.0.1 "${port[$s]}" boot.img "$work/root/boot.img" "$STORM" 1468) || okall=no
    echo "storm $s: $line" >&2
    all+="$(echo "$line" | sed -n 's/.*seconds=\([0-9.]*\).*/\1/p') "
  done
  echo "| $s | ${all% } | $(echo "$all" | median) | $okall |"
done
echo
echo "Measured at $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, $(git -C "$here/.." describe --always --dirty 2>/dev/null || echo '?')."
