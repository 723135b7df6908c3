#!/usr/bin/env bash
# UEFI firmware PXE through our ProxyDHCP, timed for both x86-64 UEFI iPXE builds Debian ships:
# UefiProxyDhcpQemuTest's benchmark boots OVMF (firmware PXE, no option ROM) RUNS times with
# ipxe.efi and RUNS times with snponly.efi, alternating (A B A B ...: the CPU is shared, so neither
# gets the quiet minutes), each in a fresh lab, and prints VM start -> iPXE's first line and
# VM start -> the kernel's marker per run and their medians.
# Root (network namespaces, QEMU TCG). Usage: sudo RUNS=5 bench/uefi-pxe.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/jdk.sh
RUNS=${RUNS:-5}
log=$(mktemp /tmp/uefi-pxe.XXXXXX)
if ! mvn -B -ntp -o -q -pl server -am verify -Dgroups=qemu -Dtest='UefiProxyDhcpQemuTest#benchIpxeEfiAgainstSnponly' \
     -Dbench.uefi.runs="$RUNS" -Dsurefire.failIfNoSpecifiedTests=false -Djacoco.skip=true >"$log" 2>&1; then
  echo "benchmark failed: $log" >&2; exit 1
fi
grep -h '\[UefiProxyDhcpQemuTest\] bench' "$log" | sed 's/\[UefiProxyDhcpQemuTest\] //'
rm -f "$log"
echo "machine: $(nproc) CPUs, $(uname -r), $(qemu-system-x86_64 --version | head -1), $(dpkg-query -W -f='ipxe ${Version}, ovmf ' ipxe)$(dpkg-query -W -f='${Version}' ovmf)"
