# tools/guest/init-net.sh — the part of /init that every QEMU test guest shares (busybox sh).
# lib.sh's initrd_skeleton copies it to the initrd's /lib/nr/init-net.sh; each generated /init
# sources it (`. /lib/nr/init-net.sh`) and then calls the functions in its own order.
# Sourcing only defines functions: nothing runs until the /init calls them.
#
# The /init defines, before sourcing:
#   fail REASON...  prints the guest's own failure marker (NETRESCUE-<GUEST>-FAILED REASON, which
#                   the tests wait for) and idles: PID 1 must never exit (that would panic).
#   nr_own_arg WORD called by nr_cmdline for every command line word that is not one of the shared
#                   network parameters, so the guest can read its own nr.* parameters.

# busybox links, the kernel filesystems and the console.
nr_start() {
  /bin/busybox --install -s /bin
  export PATH=/usr/sbin:/sbin:/bin
  mount -t proc proc /proc
  mount -t sysfs sys /sys
  mount -t devtmpfs dev /dev 2>/dev/null
  # exec without a command: the redirections apply to the whole /init, not just this function
  exec </dev/console >/dev/console 2>&1
}

# The network parameters every guest takes (values must not contain spaces: the kernel splits its
# command line on them): nr.if= (default eth0), nr.ip= (address/prefix), nr.gw=, nr.ip6=.
# Sets NR_IF, NR_IP, NR_GW, NR_IP6; every other word goes to the /init's nr_own_arg.
nr_cmdline() {
  local a
  NR_IF=eth0 NR_IP= NR_GW= NR_IP6=
  for a in $(cat /proc/cmdline); do
    case "$a" in
      nr.if=*) NR_IF=${a#*=} ;;            nr.ip=*) NR_IP=${a#*=} ;;
      nr.gw=*) NR_GW=${a#*=} ;;            nr.ip6=*) NR_IP6=${a#*=} ;;
      *) nr_own_arg "$a" ;;
    esac
  done
}

# nr_load_modules [SKIP.ko...]: insmod every module in /lib/modules/nr/order (the build script
# wrote it dependencies first) except SKIP..., which the /init loads itself afterwards because
# they take options from the command line; so a skipped module must come last in the order file.
nr_load_modules() {
  local m
  for m in $(cat /lib/modules/nr/order); do
    case " $* " in *" $m "*) continue ;; esac
    insmod /lib/modules/nr/$m || fail "insmod $m"
  done
}

# Brings up lo and $NR_IF with nr.ip/nr.gw and nr.ip6. Waits up to 5 s for the NIC, which
# virtio_net registers asynchronously after insmod. Every step is fatal: the tests need the guest
# reachable at exactly these addresses, and a clear FAILED line beats a timeout on the host.
nr_net_up() {
  local i=0
  while [ ! -e /sys/class/net/$NR_IF ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
  [ -e /sys/class/net/$NR_IF ] || fail "no network interface $NR_IF"
  ip link set lo up
  ip link set "$NR_IF" up || fail "link $NR_IF up"
  if [ -n "$NR_IP" ]; then
    ip addr add "$NR_IP" dev "$NR_IF" || fail "ip addr $NR_IP"
    [ -n "$NR_GW" ] && { ip route add default via "$NR_GW" || fail "route via $NR_GW"; }
  fi
  if [ -n "$NR_IP6" ]; then
    # no duplicate address detection (busybox ip has no "nodad"): usable at once
    echo 0 > /proc/sys/net/ipv6/conf/$NR_IF/accept_dad
    ip -6 addr add "$NR_IP6" dev "$NR_IF" || fail "ip -6 addr $NR_IP6"
  fi
  return 0
}
