# tools/guest/lib.sh — sourced (not run) by xt-sysrq-guest.sh, agent-guest.sh and disk-guest.sh.
#
# What both QEMU test guests build the same way: the host's kernel, the Debian packages they
# need, a busybox initrd skeleton with the shared /init fragment (init-net.sh), kernel modules
# in load order, ELF libraries at their host paths, and the reproducible cpio at the end.
#
# The sourcing script defines die and info first (each with its own prefix, so messages say which
# script failed), runs under `set -euo pipefail`, and sets R (the initrd tree) before calling the
# initrd_* / add_* / copy_* functions. Functions set globals on purpose (KVER, VMLINUZ, MODDIR):
# the scripts use them afterwards.

GUEST_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# The kernel: newest installed /boot/vmlinuz-* unless KVER is given. Sets KVER, VMLINUZ, MODDIR.
pick_kernel() {
  local v
  if [ -z "${KVER:-}" ]; then
    v=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -1) ||:
    [ -n "$v" ] || die "no /boot/vmlinuz-* found: apt-get install linux-image-amd64"
    KVER=${v#/boot/vmlinuz-}
  fi
  VMLINUZ=/boot/vmlinuz-$KVER
  [ -r "$VMLINUZ" ] || die "$VMLINUZ not readable"
  MODDIR=/lib/modules/$KVER
  [ -d "$MODDIR/kernel" ] || die "$MODDIR/kernel missing: is linux-image-$KVER installed?"
}

# need_packages [-h HINT] PKG...: installs the Debian packages that are not installed yet.
# --no-install-recommends: xtables-addons-common would otherwise pull in Debian 12's (crashing)
# xtables-addons-dkms. A failed install is retried once after apt-get update (stale lists);
# HINT is added to the final error (e.g. why a package may have left the archive).
need_packages() {
  local hint= p missing=()
  if [ "${1:-}" = -h ]; then hint=" ($2)"; shift 2; fi
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  info "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends "${missing[@]}" >&2; then
    info "apt-get install failed; running apt-get update and retrying"
    apt-get update >&2 || die "apt-get update failed"
    apt-get install -y --no-install-recommends "${missing[@]}" >&2 || die "cannot install ${missing[*]}$hint"
  fi
}

# initrd_skeleton [DIR...]: the directories every guest needs (plus DIR... under $R), busybox-static
# (its applets are all the userland /init needs), an empty module load order, and the shared /init
# fragment at /lib/nr/init-net.sh, which each /init sources after defining its own fail().
initrd_skeleton() {
  local d
  mkdir -p "$R"/{bin,sbin,usr/sbin,proc,sys,dev,run,tmp,etc,lib/modules/nr,lib/nr}
  for d in "$@"; do mkdir -p "$R/$d"; done
  cp /bin/busybox "$R/bin/busybox"
  cp "$GUEST_LIB_DIR/init-net.sh" "$R/lib/nr/init-net.sh"
  : > "$R/lib/modules/nr/order"
}

# Kernel modules go in uncompressed (busybox insmod cannot decompress) and are loaded by /init
# in the order of /lib/modules/nr/order.
add_ko() {  # add_ko FILE -> copies (decompressed) into the initrd, appends to load order
  local f=$1 b; b=$(basename "$f"); b=${b%.xz}; b=${b%.zst}; b=${b%.gz}
  grep -qx "$b" "$R/lib/modules/nr/order" && return 0
  case "$f" in
    *.ko.xz)  xz -dc "$f"   > "$R/lib/modules/nr/$b" ;;
    *.ko.zst) zstd -dcq "$f" > "$R/lib/modules/nr/$b" ;;
    *.ko.gz)  gzip -dc "$f" > "$R/lib/modules/nr/$b" ;;
    *)        cp "$f" "$R/lib/modules/nr/$b" ;;
  esac
  echo "$b" >> "$R/lib/modules/nr/order"
}

# add_modules NAME...: in-tree modules of $KVER with their dependencies, in the order modprobe
# resolves from modules.dep (dependencies first). A built-in module has no file: we refuse it
# rather than guess, since /init would then load nothing and fail much later on the console.
add_modules() {
  local m f deps
  for m in "$@"; do
    deps=$(modprobe -S "$KVER" --show-depends "$m" 2>/dev/null | awk '$1=="insmod"{print $2}') \
      || die "modprobe cannot resolve module $m for $KVER"
    [ -n "$deps" ] || die "module $m not found for $KVER (built-in modules are not supported here)"
    for f in $deps; do add_ko "$f"; done
  done
}

# root_copy PATH...: each host file (links followed) at the same path in the initrd, once.
root_copy() {
  local p
  for p in "$@"; do
    [ -e "$R$p" ] && continue
    mkdir -p "$R$(dirname "$p")"; cp -L "$p" "$R$p"
  done
}

# copy_libs ELF [OWN_DIR] -> every library ldd resolves for it (incl. the loader), same paths.
# No ld.so.cache in the initrd: the loader's built-in path list covers /lib/<triplet> and
# /usr/lib/<triplet>, where ldd finds everything on Debian, so the same paths just work.
# OWN_DIR is a tree copied into the initrd whole (the agent's runtime): its libraries are skipped,
# and ldd's "not found" is accepted only for a library it holds (libjvm.so: the runtime's own
# libraries find it via the launcher, which dlopen()s lib/server/libjvm.so first; ldd cannot know).
# Any other "not found" is a real gap and stops the build instead of producing a guest that fails.
copy_libs() {
  local f=$1 own=${2:-} l out
  out=$(ldd "$f" 2>&1) || die "ldd $f failed: $out"
  for l in $(echo "$out" | awk '$2=="=>" && $3=="not" {print $1}'); do
    [ -z "$own" ] || [ -z "$(find "$own" -name "$l" -print -quit)" ] || continue
    if [ -n "$own" ]; then die "$f needs $l, which neither the host nor $own has"; fi
    die "$f needs $l, which the host does not have"
  done
  for l in $(echo "$out" | awk '/=> \//{print $3} /^[[:space:]]*\//{print $1}'); do
    if [ -n "$own" ]; then case "$l" in "$own"/*) continue ;; esac; fi
    root_copy "$l"
  done
}

# pack_guest OUT: OUT/initrd.gz from $R and OUT/vmlinuz from $VMLINUZ, each replaced atomically.
# Reproducible cpio: fixed mtimes, sorted names, root-owned, gzip without name/timestamp; so two
# builds of the same inputs are byte-identical (guest.env's INITRD_SHA256 shows it).
pack_guest() {
  local out=$1
  find "$R" -exec touch -h -d @0 {} +
  mkdir -p "$out"
  (cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc --reproducible --quiet -R 0:0 | gzip -9n) \
    > "$out/.initrd.gz.tmp"
  mv "$out/.initrd.gz.tmp" "$out/initrd.gz"
  cmp -s "$VMLINUZ" "$out/vmlinuz" 2>/dev/null || { cp "$VMLINUZ" "$out/.vmlinuz.tmp"; mv "$out/.vmlinuz.tmp" "$out/vmlinuz"; }
}

# add_agent_bundle AGENT_DIR: the jlinked agent bundle, whole, at $R/opt/netrescue-agent, and the glibc
# libraries its runtime needs. The runtime is copied whole, so copy_libs skips its own libraries and
# accepts ldd's "not found" only for those (libjvm.so); anything else missing stops the build. glibc
# dlopen()s libgcc_s.so.1 to unwind in pthread_exit/pthread_cancel and backtrace() (the JVM's crash
# report): ldd cannot see that, and without it those abort the process. (No early "exit" in awk:
# ldconfig would die of SIGPIPE and pipefail end the script silently.)
add_agent_bundle() {
  local agent=$1 so gcc_s
  mkdir -p "$R/opt"
  cp -a "$agent" "$R/opt/netrescue-agent"
  copy_libs "$agent/runtime/bin/java" "$agent/runtime"
  while IFS= read -r -d '' so; do copy_libs "$so" "$agent/runtime"; done \
    < <(find "$agent/runtime/lib" -name '*.so' -print0 | sort -z)
  gcc_s=$(ldconfig -p | awk '$1=="libgcc_s.so.1" && /x86-64/ && !n++ {print $NF}')
  [ -n "$gcc_s" ] || die "libgcc_s.so.1 not found (package libgcc-s1)"
  root_copy "$gcc_s"
}
