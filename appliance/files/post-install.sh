#!/bin/sh
# meson install's last step: the groups of the roles (sysusers.d) and the folders and modes
# (tmpfiles.d), applied at once when installing into the running system as root; an install into
# DESTDIR (a package) leaves that to the package's postinst.
# Usage: post-install.sh SYSUSERS_FILE TMPFILES_FILE (installed paths, without DESTDIR)
set -e
[ -z "${DESTDIR:-}" ] || exit 0
if [ "$(id -u)" != 0 ]; then
  echo "printwall: not root: run 'systemd-sysusers $1' and 'systemd-tmpfiles --create $2' as root" >&2
  exit 0
fi
if command -v systemd-sysusers >/dev/null && command -v systemd-tmpfiles >/dev/null; then
  systemd-sysusers "$1"
  systemd-tmpfiles --create "$2"
else
  echo "printwall: systemd-sysusers/systemd-tmpfiles missing: create the groups printwall," \
       "printwall-admin, printwall-security and the folders of $2 by hand" >&2
fi
