#!/bin/bash
# The manual pages: groff renders each without a warning, and they are complete: printwall(8)
# names every daemon command `printwall help` lists, printwall.conf(5) every statement of
# `printwall check-config --schema`, printwalld(8) every reason code and option of its --help.
# Usage: man_test.sh PRINTWALL PRINTWALLD MANDIR
set -uo pipefail
printwall=$1 printwalld=$2 dir=$3
fail=0
for page in printwall.8 printwalld.8 printwall.conf.5; do
  f=$dir/$page
  [ -s "$f" ] || { echo "FAIL $page missing"; fail=1; continue; }
  w=$(groff -man -Tutf8 -ww -z "$f" 2>&1)
  [ -z "$w" ] && echo "ok   $page renders without warnings" || { echo "FAIL $page: $w" | head -5; fail=1; }
done
text() { MANWIDTH=200 man -l "$dir/$1" 2>/dev/null | col -b; }
p8=$(text printwall.8) c5=$(text printwall.conf.5) d8=$(text printwalld.8)
missing=0
while read -r cmd; do
  grep -qF -- "$cmd" <<<"$p8" || { echo "FAIL printwall(8) lacks '$cmd'"; missing=1; }
done < <("$printwall" help | sed -n '/^daemon commands/,/^$/p' | sed -n 's/^  \(.*[^ ]\)  \+\(op\|conf\|op,conf\) .*/\1/p')
[ $missing = 0 ] && echo "ok   printwall(8) names every daemon command" || fail=1
missing=0
n=0
while read -r line; do
  path=$(sed 's/  (.*//; s/ [^ ]*[|][^ ]*$//; s/ <[^>]*>$//' <<<"$line")
  n=$((n + 1))
  grep -qF -- "set $path" <<<"$c5" || { echo "FAIL printwall.conf(5) lacks 'set $path'"; missing=1; }
done < <("$printwall" check-config --schema)
[ $missing = 0 ] && [ $n -gt 100 ] && echo "ok   printwall.conf(5) has all $n statements" || fail=1
missing=0
for code in $(grep -o '^PW_REASON([A-Za-z0-9]*, "[a-z0-9-]*"' "${PW_SOURCE_ROOT:?}/common/reasons.def" | sed 's/.*"\(.*\)"/\1/'); do
  grep -qF -- "$code" <<<"$d8" || { echo "FAIL printwalld(8) lacks reason $code"; missing=1; }
done
while read -r opt; do
  grep -qF -- "$opt" <<<"$d8" || { echo "FAIL printwalld(8) lacks option $opt"; missing=1; }
done < <("$printwalld" --help | sed -n 's/^  \(--[a-z-]*\).*/\1/p')
[ $missing = 0 ] && echo "ok   printwalld(8) has every option and reason code" || fail=1
exit $fail
