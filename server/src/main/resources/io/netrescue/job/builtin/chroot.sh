#!/bin/sh
# chroot: runs one command inside the installed system that the mount-root job mounted.
#
# Input (environment): CHROOT_COMMAND  the command, run as `/bin/sh -c "$CHROOT_COMMAND"` in the chroot
#                                      (the operator's own code, like a script job; it is never eval'ed here)
#                      ROOT_MOUNT      where mount-root mounted the system (default /mnt/root)
# Output: the command's own stdout and stderr.
# Exit: the command's status; 2 when nothing is mounted there (run mount-root first) or it has no /bin/sh.
set -u
root=${ROOT_MOUNT:-/mnt/root}
case $root in
  /*) ;;
  *) echo "chroot: ROOT_MOUNT must be an absolute path" >&2; exit 2 ;;
esac
if ! mountpoint -q "$root"; then
  echo "chroot: nothing is mounted at $root: run the mount-root job first" >&2
  exit 2
fi
if [ ! -x "$root/bin/sh" ]; then
  echo "chroot: $root/bin/sh is missing: is $root an installed system?" >&2
  exit 2
fi
echo "chroot: running in $root: $CHROOT_COMMAND" >&2
exec chroot "$root" /bin/sh -c "$CHROOT_COMMAND"
