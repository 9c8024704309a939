#!/usr/bin/env python3
"""Counts test results: every gtest case (from meson's JUnit log), every non-gtest meson test,
and every fuzz run, of one or more builds; prints the failures and the closing line
"N passed, M failed". Exits 1 when anything failed or nothing ran.

usage: test_summary.py [--meson BUILD_DIR LABEL]... [--fuzz FUZZ_REPORT]
  LABEL prefixes the names of that build's results ("" for none, "asan: " for the sanitizer run).
"""
import json
import sys
import xml.etree.ElementTree as ET


def meson_results(build: str, label: str, failed: list) -> int:
    passed = 0
    counted = set()  # meson tests whose cases the JUnit log lists
    try:
        root = ET.parse(f"{build}/meson-logs/testlog.junit.xml").getroot()
    except (OSError, ET.ParseError):
        root = ET.Element("none")
    for suite in root.iter("testsuite"):
        # "printwall.policy/config_test.Suite": the meson test name sits between the dots.
        name = suite.get("name", "")
        meson_name = name.split(".", 1)[1].rsplit(".", 1)[0] if name.count(".") >= 2 else name
        for case in suite.iter("testcase"):
            if case.get("classname") == meson_name or "." not in name:
                continue  # the whole-test entry meson adds for non-gtest tests; counted below
            counted.add(meson_name)
            full = f"{label}{meson_name}: {case.get('classname')}.{case.get('name')}"
            if case.find("failure") is not None or case.find("error") is not None:
                failed.append(full)
            elif case.find("skipped") is None:
                passed += 1
    try:
        with open(f"{build}/meson-logs/testlog.json") as fh:
            tests = [json.loads(line) for line in fh if line.strip()]
    except OSError:
        tests = []
    for t in tests:
        ok = t.get("result") in ("OK", "EXPECTEDFAIL")
        if t["name"] in counted:
            # A gtest binary that crashed or timed out may have listed no failing case.
            if not ok and not any(f.startswith(f"{label}{t['name']}:") for f in failed):
                failed.append(f"{label}{t['name']}: {t.get('result')}")
            continue
        if t.get("result") == "SKIP":
            continue
        if ok:
            passed += 1
        else:
            failed.append(f"{label}{t['name']}: {t.get('result')}")
    return passed


def main() -> int:
    args = sys.argv[1:]
    passed, failed = 0, []
    i = 0
    while i < len(args):
        if args[i] == "--meson" and i + 2 < len(args):
            passed += meson_results(args[i + 1], args[i + 2], failed)
            i += 3
        elif args[i] == "--fuzz" and i + 1 < len(args):
            try:
                with open(args[i + 1]) as fh:
                    for line in fh:
                        verdict, name = line.split(None, 1)
                        if verdict == "pass":
                            passed += 1
                        else:
                            failed.append(name.strip())
            except OSError:
                pass
            i += 2
        else:
            print(__doc__, file=sys.stderr)
            return 2
    for f in failed:
        print(f"FAILED {f}")
    print(f"{passed} passed, {len(failed)} failed")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
