#!/usr/bin/env python3
"""Checks docs/data-protection.md against the test run (issue #17, acceptance 5).

    scripts/check-data-protection.py DOC LOG_DIR

Every table row of DOC must name at least one test as `test:Suite.function` (a Swift Testing
test) or `test:script.sh` (a script in Tests/Integration). For each named test: it must exist
(the suite struct and the function in one file under Tests/; the script file) and it must have
run and passed in this run of scripts/test: LOG_DIR/swift-test.log has "✔ Test function(" or
"✔ Test "display name"" and no "✘ Test" line for it; LOG_DIR/<script stem>.log ends with
"<stem>: N passed, 0 failed" with N > 0. Prints one line per problem and
"data-protection doc: N passed, M failed".
"""
import os
import re
import sys

REFERENCE = re.compile(r"`test:([A-Za-z0-9_.-]+)`")


def swift_sources(root):
    for folder, _, files in os.walk(os.path.join(root, "Tests")):
        for name in files:
            if name.endswith(".swift"):
                path = os.path.join(folder, name)
                yield path, open(path, encoding="utf-8").read()


def find_swift_test(sources, suite, function):
    """The display name (or None) of Suite.function, or False when there is no such test."""
    for _, text in sources:
        if not re.search(r"\bstruct %s\b" % re.escape(suite), text):
            continue
        for match in re.finditer(r"\bfunc %s\(" % re.escape(function), text):
            before = text[max(0, match.start() - 400):match.start()]
            # The attributes between the previous declaration and this function.
            before = re.split(r"[}{]\s*\n", before)[-1]
            if "@Test" not in before:
                continue
            display = re.search(r'@Test\("((?:[^"\\]|\\.)*)"', before)
            return display.group(1) if display else None
    return False


def main(doc_path, log_dir):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    doc = open(doc_path, encoding="utf-8").read()
    sources = list(swift_sources(root))
    swift_log_path = os.path.join(log_dir, "swift-test.log")
    swift_log = open(swift_log_path, encoding="utf-8", errors="replace").read() if os.path.exists(swift_log_path) else ""
    passed, problems, checked = 0, [], {}
    rows = [line for line in doc.splitlines()
            if line.startswith("|") and not re.match(r"^\|[-| ]+\|$", line) and "---" not in line]
    for row in rows:
        references = REFERENCE.findall(row)
        if not references:
            # A table's header row names no test; it is followed by the separator line.
            if ("Beleg |" in row or row.rstrip().endswith("Beleg |")):
                continue
            problems.append("row without a test: %s" % row[:100])
            continue
        for reference in references:
            if reference in checked:
                continue
            ok, why = check(reference, root, sources, swift_log, log_dir)
            checked[reference] = ok
            if ok:
                passed += 1
            else:
                problems.append("%s: %s" % (reference, why))
    for problem in problems:
        print("data-protection doc: FAIL %s" % problem)
    print("data-protection doc: %d passed, %d failed" % (passed, len(problems)))
    return 0 if not problems else 1


def check(reference, root, sources, swift_log, log_dir):
    if reference.endswith(".sh"):
        script = os.path.join(root, "Tests", "Integration", reference)
        if not os.path.exists(script):
            return False, "no such script in Tests/Integration"
        stem = reference[:-3]
        log_path = os.path.join(log_dir, stem + ".log")
        if not os.path.exists(log_path):
            return False, "did not run (no %s)" % log_path
        summary = re.findall(r"^%s: (\d+) passed, (\d+) failed" % re.escape(stem),
                             open(log_path, encoding="utf-8", errors="replace").read(), re.M)
        if not summary or summary[-1][1] != "0" or summary[-1][0] == "0":
            return False, "did not pass (%s)" % (summary[-1] if summary else "no summary")
        return True, ""
    if "." not in reference:
        return False, "not of the form Suite.function or script.sh"
    suite, function = reference.split(".", 1)
    display = find_swift_test(sources, suite, function)
    if display is False:
        return False, "no @Test func %s in a file with struct %s under Tests/" % (function, suite)
    names = ["Test %s(" % function] + (['Test "%s"' % display] if display else [])
    ran = [line for line in swift_log.splitlines() if any(name in line for name in names)]
    if not any(line.startswith("✔") and " passed" in line for line in ran):
        return False, "did not run and pass in %s" % os.path.join(log_dir, "swift-test.log")
    if any(line.startswith("✘") for line in ran):
        return False, "failed in this run"
    return True, ""


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
