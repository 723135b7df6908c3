#!/usr/bin/env bash
# Benchmark: /boot.ipxe decisions (netrescue) against nginx serving a static file of the same size.
#
#   sudo bench/boot-ipxe.sh          (or bench/boot-ipxe.sh as root; it also runs unprivileged)
#
# Starts netrescue on 127.0.0.1 with a fresh temporary data dir, adds 1000 hosts (a few dozen in
# rescue mode, so responses mix local-boot and netboot scripts), warms it up, measures it with wrk,
# stops it, then does the same against nginx. The two servers never run at the same time; wrk runs
# on the same machine. Prints requests/s, p50 and p99 for both, the ratio, and netrescue's RSS.
# Everything lives in one temporary directory that is removed on exit, with both servers.
#
# Knobs (environment):
#   CONNS="64"        wrk connection counts to measure, space-separated (e.g. "16 64 256")
#   THREADS=2         wrk threads
#   DURATION=20s      each measured run
#   WARMUP=10s        warm-up run before measuring each server (same wrk command)
#   HOSTS=1000        inventory size; RESCUE_EVERY=25 puts every 25th host in rescue mode
#   NGINX_WORKERS=auto  nginx worker_processes (auto = one per CPU, competing with wrk for the 2 cores)
#   NETRESCUE_PORT / NGINX_PORT   fixed ports (default: first free port from 18481 / 18491)
#   JFR=/path/x.jfr   record a JFR profile (settings=profile) of netrescue during the measured runs
#   REV=HEAD          benchmark a clean export of this commit instead of the work tree as it is
#   KEEP=1            keep the temporary directory (logs, database, configs) instead of removing it
#   NETRESCUE_JAVA_OPTS   passed to the JVM by ./netrescue
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
lua="$here/wrk-boot.lua"

CONNS="${CONNS:-64}"
THREADS="${THREADS:-2}"
DURATION="${DURATION:-20s}"
WARMUP="${WARMUP:-10s}"
HOSTS="${HOSTS:-1000}"
RESCUE_EVERY="${RESCUE_EVERY:-25}"
NGINX_WORKERS="${NGINX_WORKERS:-auto}"
GOAL_RATIO=0.5   # netrescue must reach >= 50% of nginx's requests/s ...
GOAL_P99_MS=5    # ... with p99 under 5 ms

say() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { printf 'boot-ipxe.sh: %s\n' "$*" >&2; exit 1; }

# --- 1. prerequisites -------------------------------------------------------------------------
missing=()
command -v wrk >/dev/null || missing+=("wrk (apt-get install wrk)")
nginx_bin="$(command -v nginx || true)"
[ -n "$nginx_bin" ] || for c in /usr/sbin/nginx /usr/local/sbin/nginx /usr/local/nginx/sbin/nginx; do
  [ -x "$c" ] && { nginx_bin="$c"; break; }
done
[ -n "$nginx_bin" ] || missing+=("nginx (apt-get install nginx-light, or nginx)")
command -v curl >/dev/null || missing+=("curl (apt-get install curl)")
if [ ${#missing[@]} -gt 0 ]; then
  printf 'boot-ipxe.sh: missing prerequisites:\n' >&2
  printf '  - %s\n' "${missing[@]}" >&2
  exit 2
fi
[ -f "$lua" ] || die "cannot find $lua"
[[ "$HOSTS" =~ ^[0-9]+$ ]] && [ "$HOSTS" -ge 1 ] && [ "$HOSTS" -le 9999 ] || die "HOSTS must be 1..9999"
[[ "$RESCUE_EVERY" =~ ^[0-9]+$ ]] && [ "$RESCUE_EVERY" -ge 1 ] || die "RESCUE_EVERY must be a number >= 1"
[[ "$NGINX_WORKERS" =~ ^(auto|[0-9]+)$ ]] || die "NGINX_WORKERS must be auto or a number"
for c in $CONNS; do [[ "$c" =~ ^[0-9]+$ ]] && [ "$c" -ge "$THREADS" ] || die "CONNS entries must be numbers >= THREADS"; done

# --- temp dir, processes, cleanup ----------------------------------------------------------------
umask 077 # the curl configs hold the API token; nginx's files are opened up explicitly below
tmp="$(mktemp -d "${TMPDIR:-/tmp}/netrescue-bench.XXXXXX")"
nr_pid=""
ngx_pid=""

stop_pid() { # pid, name: TERM, wait up to 15 s, then KILL
  local pid="$1" i
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then say "$2 did not stop; killing it"; kill -KILL "$pid" 2>/dev/null || true; fi
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_pid "$nr_pid" netrescue
  stop_pid "$ngx_pid" nginx
  if [ "${KEEP:-0}" = 1 ]; then say "kept $tmp"; else rm -rf "$tmp"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local p="$1"
  while port_in_use "$p"; do p=$((p + 1)); [ "$p" -lt "$(( $1 + 200 ))" ] || die "no free port near $1"; done
  echo "$p"
}

# --- wrk output parsing ------------------------------------------------------------------------
to_ms() { # "635.00us" | "1.23ms" | "1.02s" | "2.00m" -> milliseconds
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000; else if (u == "h") n *= 3600000
    printf "%.3f", n }'
}
# Sets W_RPS, W_P50, W_P99 (ms), W_REQ, W_ERR (socket errors + non-2xx, as text) from a wrk output file.
parse_wrk() {
  local f="$1"
  W_RPS="$(awk '/^Requests\/sec:/ {print $2}' "$f")"
  W_P50="$(to_ms "$(awk '$1 == "50%" {print $2}' "$f")")"
  W_P99="$(to_ms "$(awk '$1 == "99%" {print $2}' "$f")")"
  W_REQ="$(awk '/requests in/ {print $1}' "$f")"
  W_ERR="$(awk '/Socket errors:|Non-2xx or 3xx responses:/ {sub(/^ +/, ""); printf "%s%s", sep, $0; sep = "; "}' "$f")"
  [ -n "$W_RPS" ] && [ -n "$W_P50" ] && [ -n "$W_P99" ] || { cat "$f" >&2; die "could not parse wrk output ($f)"; }
}
run_wrk() { # conns, duration, url, output file
  wrk -t"$THREADS" -c"$1" -d"$2" --latency -s "$lua" "$3" -- "$HOSTS" >"$4" 2>&1 || { cat "$4" >&2; die "wrk failed against $3"; }
}

rss_kb() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status" 2>/dev/null; }

t_start=$SECONDS
say "temp dir $tmp; wrk -t$THREADS -c{$CONNS} -d$DURATION (warm-up $WARMUP); $(nproc) CPUs"

# --- 2. netrescue with 1000 hosts ------------------------------------------------------------------
nr_port="${NETRESCUE_PORT:-$(free_port 18481)}"
port_in_use "$nr_port" && die "port $nr_port is in use"
nr_url="http://127.0.0.1:$nr_port"
data="$tmp/data"
mkdir -p "$data"

if [ -n "${REV:-}" ]; then
  # A clean export of one commit, built in the temp dir: immune to half-done edits in the work tree.
  commit="$(git -C "$repo" rev-parse --verify --quiet "$REV^{commit}")" || die "REV=$REV is not a commit"
  git_rev="$(git -C "$repo" describe --always "$commit") (clean export of REV=$REV)"
  nr_home="$tmp/src"
  mkdir -p "$nr_home"
  git -C "$repo" archive "$commit" | tar -x -C "$nr_home"
  say "building netrescue $git_rev"
else
  nr_home="$repo"
  git_rev="$(git -C "$repo" describe --always --dirty 2>/dev/null || echo unknown) (work tree)"
  say "building netrescue if needed"
fi
"$nr_home/netrescue" --version >"$tmp/build.log" 2>&1 || {
  grep -v WARNING "$tmp/build.log" | tail -20 >&2
  if [ -n "${REV:-}" ]; then die "netrescue does not build at $REV"; fi
  die "netrescue does not build from the work tree (REV=HEAD benchmarks the last commit instead)"
}
nr_version="$(sed 's/\x1b\[[0-9;]*m//g' "$tmp/build.log" | grep -v '^netrescue: building' | grep -v '^ *$' | tail -1)"

say "starting netrescue on $nr_url"
# ./netrescue execs the JVM (after rebuilding if the work tree changed since the build above), so
# $! is the java process. Its log (one line per decision) goes to a file.
"$nr_home/netrescue" serve --data "$data" --listen "127.0.0.1:$nr_port" >"$tmp/netrescue.log" 2>&1 &
nr_pid=$!
for i in $(seq 1200); do
  curl -fsS -o /dev/null "$nr_url/api/v1/health" 2>/dev/null && break
  kill -0 "$nr_pid" 2>/dev/null || { tail -30 "$tmp/netrescue.log" >&2; die "netrescue exited during start-up"; }
  [ "$i" -lt 1200 ] || { tail -30 "$tmp/netrescue.log" >&2; die "netrescue not healthy after 120 s"; }
  sleep 0.1
done
token="$(cat "$data/api-token")"
nr_java="$(readlink -f "/proc/$nr_pid/exe")"

# One curl process for all API calls: a config file (keeps the token out of the process list)
# with one block per request, run with a few transfers in parallel.
api_config() { # method, path, json
  printf 'next\nsilent\nshow-error\nurl = "%s%s"\nrequest = "%s"\nheader = "Authorization: Bearer %s"\nheader = "Content-Type: application/json"\ndata = "%s"\noutput = "/dev/null"\nwrite-out = "%%{http_code}\\n"\n' \
    "$nr_url" "$2" "$1" "$token" "$(printf '%s' "$3" | sed 's/\\/\\\\/g; s/"/\\"/g')"
}
api_batch() { # config file, expected status; fails unless every response has that status
  local out
  # (curl 7.88 draws a progress meter for --parallel even with -s: stderr goes to a file)
  out="$(curl -sS --parallel --parallel-max 8 -K "$1" 2>"$1.err")" || { grep -a '^curl:' "$1.err" >&2; die "curl failed on $1"; }
  local bad
  bad="$(printf '%s\n' "$out" | grep -vc "^$2\$" || true)"
  [ "$bad" = 0 ] || die "$bad API calls in $1 did not return $2: $(printf '%s\n' "$out" | sort | uniq -c | tr '\n' ' ')"
}
mac_of() { local n=$((1000 + $1)); printf '02:00:00:00:%02x:%02x' $(((n >> 8) & 255)) $((n & 255)); }
name_of() { printf 'h%04d' "$1"; }

t0=$SECONDS
api_config POST /api/v1/profiles '{"name":"rescue","kernel":"vmlinuz","initrds":["initrd.gz"],"cmdline":"console=ttyS0 host={host}"}' \
  | sed 1d >"$tmp/profile.curl"   # the first block needs no leading "next"
api_batch "$tmp/profile.curl" 201
{
  first=1
  for i in $(seq "$HOSTS"); do
    api_config POST /api/v1/hosts "{\"name\":\"$(name_of "$i")\",\"macs\":[\"$(mac_of "$i")\"],\"ips\":[]}" \
      | if [ $first = 1 ]; then sed 1d; else cat; fi
    first=0
  done
} >"$tmp/hosts.curl"
api_batch "$tmp/hosts.curl" 201
{
  first=1
  for ((i = RESCUE_EVERY; i <= HOSTS; i += RESCUE_EVERY)); do
    api_config PUT "/api/v1/hosts/$(name_of "$i")/boot" '{"mode":"rescue","profile":"rescue"}' \
      | if [ $first = 1 ]; then sed 1d; else cat; fi
    first=0
  done
} >"$tmp/rescue.curl"
rescue=$(( HOSTS / RESCUE_EVERY ))
[ "$rescue" = 0 ] || api_batch "$tmp/rescue.curl" 200
setup_s=$((SECONDS - t0))
say "added $HOSTS hosts ($rescue in rescue mode) in ${setup_s}s"

# Sanity: a local host and a rescue host both get their own, normal decision (not a refusal).
boot_path() { local m; m="$(mac_of "$1" | tr : -)"; echo "/boot.ipxe?mac=$m&ip=127.0.0.1&uuid=&arch=x86_64&platform=pcbios"; }
curl -fsS -o "$tmp/local.ipxe" "$nr_url$(boot_path 1)"
grep -q "h0001 boots its local disk: mode local" "$tmp/local.ipxe" || { cat "$tmp/local.ipxe" >&2; die "unexpected script for h0001"; }
if [ "$rescue" -gt 0 ]; then
  curl -fsS -o "$tmp/rescue.ipxe" "$nr_url$(boot_path "$RESCUE_EVERY")"
  grep -q "host=$(name_of "$RESCUE_EVERY")" "$tmp/rescue.ipxe" || { cat "$tmp/rescue.ipxe" >&2; die "unexpected script for a rescue host"; }
fi
local_bytes=$(stat -c %s "$tmp/local.ipxe")
rescue_bytes=$( [ -f "$tmp/rescue.ipxe" ] && stat -c %s "$tmp/rescue.ipxe" || echo 0)

# --- 3. measure netrescue ------------------------------------------------------------------------
declare -A NR_RPS NR_P50 NR_P99 NR_ERR NG_RPS NG_P50 NG_P99 NG_ERR
say "warming up netrescue ($WARMUP)"
run_wrk 64 "$WARMUP" "$nr_url" "$tmp/wrk-netrescue-warmup.txt"
rss_warm=$(rss_kb "$nr_pid" VmRSS)
sleep 0.5 # let the warm-up's last in-flight decisions reach the log
count_decisions() { # -> "audit-events refused-or-errors failed" so far
  # Every decision is an audit event and event ids are one sequence: the newest id counts them.
  # Routine decisions are logged at debug only; refusals/unknowns are logged at info, failures at error.
  local newest
  newest=$(curl -fsS -H "Authorization: Bearer $token" "$nr_url/api/v1/events?limit=1" | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)
  awk -v n="${newest:-0}" '/msg="boot decision"/ {o++} /msg="boot decision failed/ {f++} END {print n, n - o, f + 0}' "$tmp/netrescue.log"
}
read -r decisions_before served_before failed_before < <(count_decisions)
if [ -n "${JFR:-}" ]; then
  jfr_file="$(realpath -m "$JFR")"
  mkdir -p "$(dirname "$jfr_file")"
  jcmd_bin="$(dirname "$nr_java")/jcmd"
  "$jcmd_bin" "$nr_pid" JFR.start name=bench settings=profile filename="$jfr_file" >"$tmp/jfr.log" 2>&1 \
    || { cat "$tmp/jfr.log" >&2; die "could not start JFR"; }
  say "JFR recording to $jfr_file"
fi
total_req=0
for c in $CONNS; do
  say "measuring netrescue: wrk -t$THREADS -c$c -d$DURATION --latency -s bench/wrk-boot.lua"
  run_wrk "$c" "$DURATION" "$nr_url" "$tmp/wrk-netrescue-c$c.txt"
  parse_wrk "$tmp/wrk-netrescue-c$c.txt"
  NR_RPS[$c]=$W_RPS NR_P50[$c]=$W_P50 NR_P99[$c]=$W_P99 NR_ERR[$c]=$W_ERR
  total_req=$((total_req + W_REQ))
  say "  netrescue -c$c: $W_RPS req/s, p50 $W_P50 ms, p99 $W_P99 ms ${W_ERR:+($W_ERR)}"
done
if [ -n "${JFR:-}" ]; then
  "$jcmd_bin" "$nr_pid" JFR.stop name=bench >>"$tmp/jfr.log" 2>&1 || { cat "$tmp/jfr.log" >&2; die "could not stop JFR"; }
fi
rss_end=$(rss_kb "$nr_pid" VmRSS)
rss_peak=$(rss_kb "$nr_pid" VmHWM)
sleep 0.5 # let the last in-flight decisions reach the log
read -r decisions served failed < <(count_decisions)
decisions=$((decisions - decisions_before)) served=$((served - served_before)) failed=$((failed - failed_before))
db_bytes=$(du -sb "$data" | cut -f1)
stop_pid "$nr_pid" netrescue
nr_pid=""

# --- 4. measure nginx on a static file of the same size ------------------------------------------
ngx_port="${NGINX_PORT:-$(free_port 18491)}"
port_in_use "$ngx_port" && die "port $ngx_port is in use"
ngx_url="http://127.0.0.1:$ngx_port"
mkdir -p "$tmp/nginx/www"
cp "$tmp/local.ipxe" "$tmp/nginx/www/boot.ipxe"   # most responses are local-boot scripts of this size
# As root nginx's workers run as nobody: they must be able to reach the file.
chmod 0711 "$tmp" "$tmp/nginx"; chmod 0755 "$tmp/nginx/www"; chmod 0644 "$tmp/nginx/www/boot.ipxe"
cat >"$tmp/nginx/nginx.conf" <<EOF
daemon off;
worker_processes $NGINX_WORKERS;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    default_type text/plain;
    charset utf-8;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 65;
    keepalive_requests 100000000;
    open_file_cache max=16 inactive=60s;
    client_body_temp_path $tmp/nginx/client_body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
    server {
        listen 127.0.0.1:$ngx_port;
        root $tmp/nginx/www;
        add_header Cache-Control no-store;
        location / { try_files /boot.ipxe =404; }
    }
}
EOF
say "starting nginx on $ngx_url (static file of $local_bytes bytes)"
"$nginx_bin" -t -q -p "$tmp/nginx" -e "$tmp/nginx/error.log" -c "$tmp/nginx/nginx.conf" 2>"$tmp/nginx/check.log" \
  || { cat "$tmp/nginx/check.log" >&2; die "nginx rejects the generated config"; }
"$nginx_bin" -p "$tmp/nginx" -e "$tmp/nginx/error.log" -c "$tmp/nginx/nginx.conf" >"$tmp/nginx/stdout.log" 2>&1 &
ngx_pid=$!
for i in $(seq 100); do
  curl -fsS -o "$tmp/nginx/probe" "$ngx_url$(boot_path 1)" 2>/dev/null && break
  kill -0 "$ngx_pid" 2>/dev/null || { cat "$tmp/nginx/error.log" >&2; die "nginx exited during start-up"; }
  [ "$i" -lt 100 ] || die "nginx not answering after 10 s"
  sleep 0.1
done
cmp -s "$tmp/nginx/probe" "$tmp/local.ipxe" || die "nginx does not serve the saved script"
say "warming up nginx ($WARMUP)"
run_wrk 64 "$WARMUP" "$ngx_url" "$tmp/wrk-nginx-warmup.txt"
for c in $CONNS; do
  say "measuring nginx: wrk -t$THREADS -c$c -d$DURATION --latency -s bench/wrk-boot.lua"
  run_wrk "$c" "$DURATION" "$ngx_url" "$tmp/wrk-nginx-c$c.txt"
  parse_wrk "$tmp/wrk-nginx-c$c.txt"
  NG_RPS[$c]=$W_RPS NG_P50[$c]=$W_P50 NG_P99[$c]=$W_P99 NG_ERR[$c]=$W_ERR
  say "  nginx -c$c: $W_RPS req/s, p50 $W_P50 ms, p99 $W_P99 ms ${W_ERR:+($W_ERR)}"
done
stop_pid "$ngx_pid" nginx
ngx_pid=""

# --- 5. summary ----------------------------------------------------------------------------------
cpu_model="$(lscpu 2>/dev/null | awk -F: '/^Model name/ {sub(/^ +/, "", $2); print $2; exit}')"
mem_total="$(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
echo
echo "## /boot.ipxe: netrescue decisions vs nginx static file"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $(nproc) CPUs (${cpu_model:-unknown}), $mem_total RAM, $(uname -sr)"
echo "- netrescue at git $git_rev ($nr_version), JVM defaults ($("$(dirname "$nr_java")/java" -version 2>&1 | awk -F'"' 'NR == 1 {print $2}')); $("$nginx_bin" -v 2>&1 | sed 's/^nginx version: //'), $(wrk --version 2>&1 | head -1 | awk '{print "wrk " $2}')"
echo "- inventory: $HOSTS hosts, $rescue in rescue mode; responses $local_bytes B (local) / $rescue_bytes B (rescue); nginx (worker_processes $NGINX_WORKERS) serves a $local_bytes B file"
echo "- command per run: wrk -t$THREADS -c<C> -d$DURATION --latency -s bench/wrk-boot.lua URL -- $HOSTS (after a $WARMUP warm-up at -c64)"
echo "- host setup: ${setup_s}s for $HOSTS hosts + $rescue mode changes"
echo
echo "| connections | server | requests/s | p50 (ms) | p99 (ms) | errors |"
echo "|---:|---|---:|---:|---:|---|"
for c in $CONNS; do
  echo "| $c | netrescue | ${NR_RPS[$c]} | ${NR_P50[$c]} | ${NR_P99[$c]} | ${NR_ERR[$c]:--} |"
  echo "| $c | nginx | ${NG_RPS[$c]} | ${NG_P50[$c]} | ${NG_P99[$c]} | ${NG_ERR[$c]:--} |"
done
echo
goal_all=yes
for c in $CONNS; do
  verdict="$(awk -v a="${NR_RPS[$c]}" -v b="${NG_RPS[$c]}" -v p="${NR_P99[$c]}" -v r="$GOAL_RATIO" -v l="$GOAL_P99_MS" 'BEGIN {
    ratio = a / b
    ok = (ratio >= r && p < l)
    printf "ratio netrescue/nginx = %.3f (%.1f%%); netrescue p99 %.3f ms; goal (>= %d%% of nginx and p99 < %g ms): %s\n", ratio, ratio * 100, p, r * 100, l, ok ? "MET" : "MISSED" }')"
  echo "- -c$c: $verdict"
  [[ "$verdict" == *MET ]] || goal_all=no
done
echo "- netrescue RSS: $((rss_warm / 1024)) MiB after warm-up, $((rss_end / 1024)) MiB after the runs, peak $((rss_peak / 1024)) MiB"
echo "- netrescue audit events recorded during the runs: $decisions ($((decisions - served)) refused/unknown/other), wrk counted $total_req; fail-safe errors in the log: $failed; data dir after the runs: $((db_bytes / 1048576)) MiB"
echo "- goal met at every measured concurrency: $goal_all"
echo "- total script time: $((SECONDS - t_start))s"
[ -z "${JFR:-}" ] || echo "- JFR recording: $jfr_file"
