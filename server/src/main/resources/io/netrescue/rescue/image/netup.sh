# sourced by /init. Sets IF. Needs modprobe, /sys.
# rescue.mac=aa:bb:.. (netrescue's {mac}) or BOOTIF=01-aa-bb-.. (iPXE/pxelinux) selects the interface
bootif_mac() {
  if [ -n "$RMAC" ]; then echo "$RMAC" | tr 'A-F-' 'a-f:'
  elif [ -n "$BOOTIF" ]; then echo "${BOOTIF#01-}" | tr 'A-F-' 'a-f:'; fi
}
net_coldplug() {
  # load drivers only for network-class PCI devices, then for virtio devices they expose (virtio-net)
  for d in /sys/bus/pci/devices/*; do
    case "$(cat $d/class 2>/dev/null)" in 0x02*) modprobe -qab $(cat $d/modalias) ;; esac
  done
  for d in /sys/bus/virtio/devices/*; do
    [ -e "$d/modalias" ] && modprobe -qab $(cat $d/modalias)
  done
}
find_if() {
  want=$(bootif_mac)
  for n in /sys/class/net/*; do
    i=${n##*/}; [ "$i" = lo ] && continue
    if [ -n "$want" ]; then [ "$(cat $n/address)" = "$want" ] && { echo $i; return 0; }
    else echo $i; return 0; fi
  done
  return 1
}
net_up() {
  IF=""; n=0
  while [ -z "$IF" ]; do
    IF=$(find_if) && break
    n=$((n+1)); [ $n -eq 1 ] && net_coldplug
    [ $n -gt 100 ] && { echo "RESCUE-ERROR no interface for BOOTIF=$BOOTIF" >/dev/console; return 1; }
    sleep 0.1
  done
  busybox ip link set lo up
  if busybox ip -4 addr show dev "$IF" | grep -q inet; then return 0; fi   # already up (stage 1 did it)
  busybox ip link set "$IF" up
  busybox udhcpc -i "$IF" -n -q -t 10 -T 2 -s /etc/rescue/udhcpc.script -x hostname:rescue >/dev/null 2>&1
}
