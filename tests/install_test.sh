#!/bin/bash
# `meson install` into a scratch DESTDIR puts the appliance in place: both binaries, the systemd
# unit pointing at them, a default configuration that validates, the profiles, the docs and the
# state and log directories.
set -euo pipefail
build=${PW_BUILD_ROOT:?}
dest=$(mktemp -d /tmp/pw-install.XXXXXX)
trap 'rm -rf "$dest"' EXIT
meson install -C "$build" --no-rebuild --destdir "$dest" --quiet >/dev/null
prefix=$(meson introspect "$build" --buildoptions | python3 -c '
import json,sys
o={x["name"]:x["value"] for x in json.load(sys.stdin)}
print(o["prefix"])')
fail=0
need() { [ -e "$dest$1" ] || { echo "missing after install: $1"; fail=1; }; }
need "$prefix/bin/printwall"
need "$prefix/sbin/printwalld"
unit=$(find "$dest" -name printwalld.service | head -1)
[ -n "$unit" ] || { echo "missing: printwalld.service"; exit 1; }
conf=$(find "$dest" -path '*/printwall/printwall.conf' | head -1)
[ -n "$conf" ] || { echo "missing: printwall.conf"; exit 1; }
need "$prefix/share/printwall/profiles/small-office.conf"
need "$prefix/share/printwall/profiles/enterprise.conf"
need "$prefix/share/doc/printwall/configuration.md"
need "$prefix/share/man/man8/printwall.8"
need "$prefix/share/man/man8/printwalld.8"
need "$prefix/share/man/man5/printwall.conf.5"
[ -n "$(find "$dest" -type d -path '*/lib/printwall')" ] || { echo "missing: state directory"; fail=1; }
[ -n "$(find "$dest" -type d -path '*/log/printwall')" ] || { echo "missing: log directory"; fail=1; }
# The unit runs the installed binaries on the installed configuration.
grep -q "^ExecStart=$prefix/sbin/printwalld -- --config .*/printwall/printwall.conf" "$unit" ||
  { echo "unit ExecStart wrong:"; grep Exec "$unit"; fail=1; }
grep -q '^RuntimeDirectory=printwall' "$unit" || { echo "unit has no RuntimeDirectory"; fail=1; }
grep -q '^ExecReload=/bin/kill -HUP' "$unit" || { echo "unit has no reload"; fail=1; }
if command -v systemd-analyze >/dev/null; then
  # Checks the unit's syntax (not the paths: they live under DESTDIR).
  out=$(systemd-analyze verify "$unit" 2>&1 | grep -v -e 'is not executable' -e 'No such file' \
        -e 'Command .* not found' || true)
  [ -z "$out" ] || { echo "systemd-analyze: $out"; fail=1; }
fi
# The default configuration validates (small-office).
"$dest$prefix/bin/printwall" check-config "$conf" >/dev/null 2>&1 ||
  { echo "default configuration does not validate"; "$dest$prefix/bin/printwall" check-config "$conf"; fail=1; }
grep -q '^set profile small-office' "$conf" || { echo "default is not small-office"; fail=1; }
[ $fail = 0 ] && echo "install: ok"
exit $fail
