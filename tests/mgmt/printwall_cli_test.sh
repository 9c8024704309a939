#!/bin/bash
# The printwall binary as an admin uses it: exit codes and messages of check-config, help, version;
# and printwalld's --version and --help, which need no DPDK.
# usage: printwall_cli_test.sh PATH/TO/printwall [PATH/TO/printwalld]
set -u
pw=$1
pwd_bin=${2:-}
: "${PW_SOURCE_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() {  # check NAME EXPECTED_STATUS COMMAND... ; output in $tmp/out
  local name=$1 want=$2
  shift 2
  "$@" >"$tmp/out" 2>&1
  local got=$?
  if [ "$got" != "$want" ]; then
    echo "FAIL $name: exit $got, want $want"; sed 's/^/    /' "$tmp/out"; fail=1
  else
    echo "ok   $name"
  fi
}
expect_out() {  # expect_out NAME PATTERN
  if ! grep -qF -- "$2" "$tmp/out"; then
    echo "FAIL $1: output lacks '$2'"; sed 's/^/    /' "$tmp/out"; fail=1
  fi
}

printf 'set profile enterprise\nset printer-network 198.18.20.0/24\n' >"$tmp/good.conf"
printf 'set profile enterprise\nset printer-netwrk 198.18.20.0/24\n' >"$tmp/typo.conf"

check "help" 0 "$pw" --help
expect_out "help" "check-config"
check "version" 0 "$pw" version
expect_out "version" "dpdk DPDK "
expect_out "version" "openssl"
check "--version" 0 "$pw" --version
expect_out "--version" "printwall 0."
if [ -n "$pwd_bin" ]; then
  check "printwalld --version" 0 "$pwd_bin" --version
  expect_out "printwalld --version" "printwalld 0."
  expect_out "printwalld --version" "dpdk DPDK 2"
  expect_out "printwalld --version" "ndpi "
  check "printwalld --version before EAL options" 0 "$pwd_bin" --no-huge --version
  expect_out "printwalld --version before EAL options" "printwalld 0."
  check "printwalld --help" 0 "$pwd_bin" -- --help
  expect_out "printwalld --help" "--config FILE"
  check "printwalld without --config" 2 "$pwd_bin" -- --events /dev/null
  expect_out "printwalld without --config" "printwalld: --config is required"
  check "printwalld unknown option" 2 "$pwd_bin" -- --confg x
  expect_out "printwalld unknown option" "printwalld: unknown option '--confg'"
fi
check "unknown command" 2 "$pw" frobnicate
expect_out "unknown command" "unknown command 'frobnicate'"
check "good config" 0 "$pw" check-config "$tmp/good.conf"
expect_out "good config" "configuration ok (profile enterprise"
check "typo" 1 "$pw" check-config "$tmp/typo.conf"
expect_out "typo" "$tmp/typo.conf:2:5: error: unknown keyword 'printer-netwrk' (did you mean 'printer-network'?)"
check "stdin" 0 sh -c "\"$pw\" check-config --print - < \"$tmp/good.conf\""
expect_out "stdin" "set printer-network 198.18.20.0/24"
# The shipped profile files as whole configurations: valid once a mirror output takes the copies
# their `mirror always` services ask for; without one, that statement is refused (an
# administrator's own `mirror always` with nowhere to send copies), naming file and line.
for prof in enterprise small-office; do
  { cat "$PW_SOURCE_ROOT/policy/profiles/$prof.conf"; echo "set mirror output pcap"; } >"$tmp/$prof.conf"
  check "shipped $prof" 0 "$pw" check-config "$tmp/$prof.conf"
done
check "shipped small-office without a mirror output" 1 "$pw" check-config "$PW_SOURCE_ROOT/policy/profiles/small-office.conf"
expect_out "shipped small-office without a mirror output" "error: service 'vnc-management': mirror always, but mirror output is none"

# Daemon commands without a daemon, and the client's usage errors (mgmt/cli.h).
check "help lists daemon commands" 0 "$pw" help
expect_out "help lists daemon commands" "show statistics"
expect_out "help lists daemon commands" "op,conf"
check "help describes a command" 0 "$pw" help show flows
expect_out "help describes a command" "usage: show flows [printer ADDRESS]"
check "bad option" 2 "$pw" --frobnicate show statistics
expect_out "bad option" "unknown option '--frobnicate'"
check "parse error before connecting" 2 "$pw" --socket /nonexistent/pw/control.sock show statstics
expect_out "parse error before connecting" "did you mean 'statistics'?"
check "no daemon" 3 "$pw" --socket /nonexistent/pw/control.sock show statistics
expect_out "no daemon" "printwall: cannot connect to /nonexistent/pw/control.sock: No such file or directory (is printwalld running? --socket PATH)"
check "no daemon (env)" 3 env PRINTWALL_SOCKET=/nonexistent/pw/env.sock "$pw" show statistics
expect_out "no daemon (env)" "cannot connect to /nonexistent/pw/env.sock"
check "no daemon (stdin)" 3 sh -c "printf '# c\n\nshow statistics\n' | \"$pw\" --socket /nonexistent/pw/control.sock"
exit $fail
