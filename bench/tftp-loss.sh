#!/usr/bin/env bash
# TFTP through packet loss (issue 15): a 2 MiB download through a router that drops LOSS% of the UDP
# packets it forwards, each way, at random (iptables statistic; tc netem is not needed). netrescue
# (`./netrescue serve --tftp`, as deployed) vs tftpd-hpa (`in.tftpd -L`) and dnsmasq (`--enable-tftp`),
# with curl (asks for timeout 6), the tftp-hpa client (lock-step, no options) and atftp (windowsize 8).
#
#   client netns 10.201.N.2 --veth-- router netns (ip_forward, FORWARD: udp DROP at LOSS%) --veth-- server netns 10.202.N.2
#
# Every (loss, server) pair gets its own three namespaces and server process, so the pairs run side by
# side: the anchors' runs are mostly waits on their retransmission timers (idle), and the runs of
# netrescue, the CPU-bound ones, go one loss level after the other (PARALLEL=0: everything in turn).
#   sudo bench/tftp-loss.sh      LOSS="0.5 2 5" RUNS=3 TIMEOUT=240 SIZE_MB=2 PARALLEL=1 SERVERS="netrescue tftpd-hpa dnsmasq"
# A run that takes longer than TIMEOUT seconds is killed and reported as ">TIMEOUT"; the case it belongs to
# is not run again (its other runs would take as long). Every download is checked byte for byte (sha256).
# Prints a Markdown summary on stdout; progress on stderr. Needs root, curl, atftp, tftp-hpa, tftpd-hpa,
# dnsmasq, iptables.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
LOSS=${LOSS:-"0.5 2 5"}; RUNS=${RUNS:-3}; TIMEOUT=${TIMEOUT:-240}; SIZE_MB=${SIZE_MB:-2}; PARALLEL=${PARALLEL:-1}
SERVERS=${SERVERS:-"netrescue tftpd-hpa dnsmasq"}

[ "$(id -u)" = 0 ] || { echo "bench/tftp-loss.sh: needs root (network namespaces, iptables)" >&2; exit 2; }
for c in curl atftp tftp in.tftpd dnsmasq iptables ip sha256sum bc; do
  command -v "$c" >/dev/null || { echo "bench/tftp-loss.sh: $c is missing (apt-get install curl atftp tftp-hpa tftpd-hpa dnsmasq-base iptables iproute2 bc)" >&2; exit 2; }
done
"$repo/netrescue" --help >/dev/null # the launcher (re)builds the server jar when the sources changed

tag="tl$$"
work=$(mktemp -d /tmp/tftp-loss.XXXXXX); chmod 755 "$work"
jobs_=()
teardown() { # N: stop what runs in the pair's namespaces, remove them
  local ns
  for ns in "$tag-$1-c" "$tag-$1-r" "$tag-$1-s"; do ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true; done
  sleep 1
  for ns in "$tag-$1-c" "$tag-$1-r" "$tag-$1-s"; do ip netns del "$ns" 2>/dev/null || true; done
}
cleanup() {
  for p in "${jobs_[@]}"; do kill "$p" 2>/dev/null || true; done
  for ns in $(ip netns list | awk '{print $1}' | grep "^$tag-" || true); do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true
  done
  wait 2>/dev/null || true
  for ns in $(ip netns list | awk '{print $1}' | grep "^$tag-" || true); do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM
mkdir -p "$work/root" "$work/res"; chmod 755 "$work/root"
head -c $((SIZE_MB << 20)) /dev/urandom > "$work/root/f.bin"
want=$(sha256sum < "$work/root/f.bin" | cut -d' ' -f1)
read -r -a servers <<< "$SERVERS"
clients=(curl tftp-hpa atftp-w8)
declare -A port=([netrescue]=6901 [tftpd-hpa]=6902 [dnsmasq]=69)

# topology N LOSS: namespaces $tag-N-{c,r,s}
topology() {
  local n=$1 loss=$2 c="$tag-$1-c" r="$tag-$1-r" s="$tag-$1-s"
  for ns in "$c" "$r" "$s"; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
  ip link add "$tag-$n-a" netns "$c" type veth peer name ra netns "$r"
  ip link add "$tag-$n-b" netns "$s" type veth peer name rb netns "$r"
  ip -n "$c" addr add "10.201.$n.2/24" dev "$tag-$n-a"; ip -n "$c" link set "$tag-$n-a" up
  ip -n "$s" addr add "10.202.$n.2/24" dev "$tag-$n-b"; ip -n "$s" link set "$tag-$n-b" up
  # one datagram per packet on the wire: a veth would carry netrescue's UDP GSO window (up to 64 KiB,
  # cut into datagrams only on delivery) through the router as one packet, which would then lose whole
  # windows at the rate others lose single packets. A real NIC segments before the wire.
  ip -n "$s" link set dev "$tag-$n-b" gso_max_segs 1
  ip -n "$r" addr add "10.201.$n.1/24" dev ra; ip -n "$r" addr add "10.202.$n.1/24" dev rb
  ip -n "$r" link set ra up; ip -n "$r" link set rb up
  ip -n "$c" route add default via "10.201.$n.1"; ip -n "$s" route add default via "10.202.$n.1"
  ip netns exec "$r" sysctl -qw net.ipv4.ip_forward=1
  ip netns exec "$r" iptables -A FORWARD -p udp -m statistic --mode random --probability "$(echo "scale=4; $loss / 100" | bc)" -j DROP
}

# start_server N SERVER: in $tag-N-s, listening on 10.202.N.2
start_server() {
  local n=$1 srv=$2 s="$tag-$1-s" addr="10.202.$1.2" log="$work/$1-$2.log"
  case $srv in
    netrescue)
      printf '[tftp]\n' > "$work/$n.toml"
      ip netns exec "$s" "$repo/netrescue" serve --config "$work/$n.toml" --data "$work/data-$n" --assets "$work/root" \
        --listen 127.0.0.1:6980 --public-url http://127.0.0.1:6980 --tftp "$addr:${port[netrescue]}" > "$log" 2>&1 &
      for _ in $(seq 300); do grep -q "TFTP server started" "$log" 2>/dev/null && break; sleep 0.1; done
      grep -q "TFTP server started" "$log" || { echo "netrescue did not start:" >&2; cat "$log" >&2; return 1; } ;;
    tftpd-hpa) ip netns exec "$s" in.tftpd -L -a "$addr:${port[tftpd-hpa]}" -s "$work/root" > "$log" 2>&1 & ;;
    dnsmasq) ip netns exec "$s" dnsmasq --no-daemon --conf-file=/dev/null --port=0 --enable-tftp --tftp-root="$work/root" \
        --listen-address="$addr" --bind-interfaces --user=root --quiet-tftp > "$log" 2>&1 & ;;
  esac
  sleep 0.5
}

client() { # CLIENT HOST PORT OUT
  case $1 in
    curl) curl -s "tftp://$2:$3/f.bin" -o "$4" ;;
    tftp-hpa) tftp -m binary "$2" "$3" -c get f.bin "$4" >/dev/null ;;
    atftp-w8) atftp --option "windowsize 8" -g -r f.bin -l "$4" "$2" "$3" 2>/dev/null ;;
  esac
}

# measure N LOSS SERVER: RUNS runs of each client; results in $work/res/LOSS,SERVER,CLIENT (seconds, ">T", BAD or FAIL)
measure() {
  local n=$1 loss=$2 srv=$3 c="$tag-$1-c"
  topology "$n" "$loss"
  start_server "$n" "$srv"
  for run in $(seq "$RUNS"); do
    for cl in "${clients[@]}"; do
      local res="$work/res/$loss,$srv,$cl" out="$work/out-$n-$cl"
      grep -q '>' "$res" 2>/dev/null && continue # timed out once: the other runs would too
      rm -f "$out"
      local t0 t1 rc=0
      t0=$(date +%s.%N)
      ip netns exec "$c" timeout "$TIMEOUT" bash -c "$(declare -f client); client $cl 10.202.$n.2 ${port[$srv]} $out" || rc=$?
      t1=$(date +%s.%N)
      if [ "$rc" = 124 ]; then printf '>%s ' "$TIMEOUT" >> "$res"
      elif [ -f "$out" ] && [ "$(sha256sum < "$out" | cut -d' ' -f1)" = "$want" ]; then printf '%.2f ' "$(echo "$t1 - $t0" | bc)" >> "$res"
      elif [ "$rc" = 0 ]; then printf 'BAD ' >> "$res"
      else printf 'FAIL ' >> "$res"; fi
      echo "loss $loss% $srv $cl run $run: $(cat "$res")" >&2
    done
  done
  teardown "$n"
}

n=0
declare -A idx
for loss in $LOSS; do for srv in "${servers[@]}"; do n=$((n + 1)); idx[$loss,$srv]=$n; done; done
if [ "$PARALLEL" = 1 ]; then
  for loss in $LOSS; do for srv in "${servers[@]}"; do
    if [ "$srv" != netrescue ]; then measure "${idx[$loss,$srv]}" "$loss" "$srv" & jobs_+=($!); fi
  done; done
  for loss in $LOSS; do if [ -n "${idx[$loss,netrescue]:-}" ]; then measure "${idx[$loss,netrescue]}" "$loss" netrescue; fi; done
  for p in "${jobs_[@]}"; do wait "$p" || true; done
else
  for loss in $LOSS; do for srv in "${servers[@]}"; do measure "${idx[$loss,$srv]}" "$loss" "$srv"; done; done
fi

median() { # the median of the runs; a run over TIMEOUT counts as larger than any finished one
  tr ' ' '\n' | grep -E '^(>?[0-9.]+|BAD|FAIL)$' | sed "s/^>.*/99999/; s/^BAD$/99998/; s/^FAIL$/99998/" | sort -n \
    | awk -v t="$TIMEOUT" '{a[NR]=$1} END {if (NR==0) print "-"; else {m=a[int((NR+1)/2)]; if (m==99999) print ">" t; else if (m==99998) print "fail"; else print m}}'
}
echo "## TFTP through packet loss: ${SIZE_MB} MiB, loss each way at the router, $RUNS runs (median s; all runs)"
echo
echo "| loss | client | netrescue | tftpd-hpa | dnsmasq | best anchor / netrescue |"
echo "|---|---|---|---|---|---:|"
for loss in $LOSS; do
  for cl in "${clients[@]}"; do
    row="| $loss% | $cl |"; best=""
    for s in netrescue tftpd-hpa dnsmasq; do
      runs=$(cat "$work/res/$loss,$s,$cl" 2>/dev/null || echo "")
      m=$(echo "$runs" | median)
      [ "$s" = netrescue ] && ours=$m && row+=" **$m** (${runs% }) |" || row+=" $m (${runs% }) |"
      if [ "$s" != netrescue ] && [ "$m" != - ] && [ "$m" != fail ]; then
        v=${m#>}
        if [ -z "$best" ] || [ "$(echo "${v} < ${best#>}" | bc)" = 1 ]; then best=$m; fi
      fi
    done
    if [ -n "$best" ] && [[ "$ours" =~ ^[0-9.]+$ ]]; then
      r=$(echo "scale=1; ${best#>} / $ours" | bc); [[ "$best" == ">"* ]] && r=">$r"
      row+=" ${r}x |"
    else row+=" - |"; fi
    echo "$row"
  done
done
echo
echo "Measured at $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, $(git -C "$repo" describe --always --dirty 2>/dev/null || echo '?'); PARALLEL=$PARALLEL TIMEOUT=$TIMEOUT."
