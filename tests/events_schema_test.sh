#!/bin/bash
# The published event schema (docs/events.schema.json) is current with common/reasons.def, and
# every event `printwall replay` writes for the pipeline's regression captures (the fuzz corpus:
# malformed frames, fragments, evasions, attacks and benign sessions), under both profiles,
# validates against it. The end-to-end tests validate the daemon's own logs (alerts and audit
# records) the same way (tests/e2e/lib.sh, events_valid).
# The replay, evasion and transcript unit tests are run again with PW_EVENTS_COLLECT, and every
# event their replays write is validated too: the attacks of every kind the suite crafts.
# Usage: events_schema_test.sh PRINTWALL TEST_BINARY...
set -uo pipefail
printwall=$1
shift
root=${PW_SOURCE_ROOT:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

"$root/tools/events-schema" check || fail=1

# One capture of them all: each corpus file's records after the previous file's, 60 s apart
# (their flows expire in between), nanosecond pcap, Ethernet.
python3 - "$root/tests/fuzz/corpus/pipeline" "$tmp/all.pcap" <<'PY' || exit 1
import os, struct, sys
src, out = sys.argv[1], sys.argv[2]
t = 1_700_000_000 * 10**9
n = files = 0
with open(out, "wb") as o:
    o.write(struct.pack("<IHHiIII", 0xa1b23c4d, 2, 4, 0, 0, 65535, 1))
    for name in sorted(os.listdir(src)):
        data = open(os.path.join(src, name), "rb").read()
        if len(data) < 24:
            continue
        magic, = struct.unpack("<I", data[:4])
        if magic not in (0xa1b2c3d4, 0xa1b23c4d) or struct.unpack("<I", data[20:24])[0] != 1:
            continue
        scale = 1 if magic == 0xa1b23c4d else 1000
        files += 1
        off, first, last = 24, None, t
        while off + 16 <= len(data):
            sec, frac, incl, orig = struct.unpack("<IIII", data[off:off + 16])
            body = data[off + 16:off + 16 + incl]
            if len(body) < incl or incl > 65535:
                break
            ts = sec * 10**9 + frac * scale
            first = ts if first is None else first
            at = t + min(max(0, ts - first), 3600 * 10**9)
            last = max(last, at)
            o.write(struct.pack("<IIII", at // 10**9, at % 10**9, incl, orig) + body)
            off += 16 + incl
            n += 1
        t = last + 60 * 10**9
print(f"{n} frames from {files} captures")
PY

for profile in small-office enterprise; do
  {
    echo "set profile $profile"
    echo "set printer-network 198.18.20.0/24"
    echo "set printer-network 2001:db8:20::/48"
    echo "set group management address 198.18.40.0/24"
    echo "set system host-name pw-schema-test"
    echo "set mirror all"
  } >"$tmp/$profile.conf"
  if ! "$printwall" replay --config "$tmp/$profile.conf" --in "$tmp/all.pcap" --out "$tmp/$profile" --quiet; then
    echo "FAIL replay under $profile"
    fail=1
    continue
  fi
  reasons=$(grep -o '"reason":"[a-z0-9-]*"' "$tmp/$profile/events.jsonl" | sort -u | wc -l)
  events=$(wc -l <"$tmp/$profile/events.jsonl")
  echo "$profile: $events events of $reasons reasons"
  # A schema test over a handful of events would prove little.
  [ "$reasons" -ge 5 ] || { echo "FAIL only $reasons distinct reasons under $profile"; fail=1; }
  grep -q '"host":"pw-schema-test"' "$tmp/$profile/events.jsonl" ||
    { echo "FAIL the events do not name the configured host"; fail=1; }
done
for t in "$@"; do
  PW_EVENTS_COLLECT="$tmp/suite.jsonl" "$t" >"$tmp/unit.log" 2>&1 ||
    { echo "FAIL $t"; tail -n 20 "$tmp/unit.log"; fail=1; }
done
if [ $# -gt 0 ]; then
  reasons=$(grep -o '"reason":"[a-z0-9-]*"' "$tmp/suite.jsonl" | sort -u | wc -l)
  echo "unit tests' replays: $(wc -l <"$tmp/suite.jsonl") events of $reasons reasons"
fi
reasons=$(cat "$tmp"/*/events.jsonl "$tmp"/suite.jsonl 2>/dev/null | grep -o '"reason":"[a-z0-9-]*"' | sort -u | wc -l)
echo "in all: $reasons reasons"
[ "$reasons" -ge 20 ] || { echo "FAIL only $reasons distinct reasons in all"; fail=1; }
"$root/tools/events-schema" validate "$tmp"/*/events.jsonl "$tmp"/suite.jsonl || fail=1
# The examples of docs/events.md are records of the schema too.
awk '/^```json$/ {on=1; next} /^```$/ {on=0} on' "$root/docs/events.md" >"$tmp/doc-examples.jsonl"
[ -s "$tmp/doc-examples.jsonl" ] || { echo "FAIL no JSON example in docs/events.md"; fail=1; }
"$root/tools/events-schema" validate "$tmp/doc-examples.jsonl" || fail=1
# The validator refuses what the schema does not allow: a record without its alert object, an
# unknown reason, a second-precision timestamp, a flow id beyond 2^53.
head -n 1 "$tmp/enterprise/events.jsonl" >"$tmp/good.jsonl"
for edit in 'del r["alert"]' 'r["reason"] = "no-such-reason"' 'r["timestamp"] = r["timestamp"][:19] + "Z"' \
            'r["flow_id"] = 2**60'; do
  python3 -c 'import json,sys; r = json.loads(open(sys.argv[1]).readline()); exec(sys.argv[2]); print(json.dumps(r))' \
    "$tmp/good.jsonl" "$edit" >"$tmp/bad.jsonl"
  if "$root/tools/events-schema" validate "$tmp/bad.jsonl" >/dev/null; then
    echo "FAIL the validator accepts a record after: $edit"
    fail=1
  fi
done
exit $fail
