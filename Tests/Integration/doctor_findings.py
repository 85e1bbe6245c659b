"""Checks one `kit-agent doctor --json` report for tests/Integration/vpn.sh (issue #20, acceptance 5).

Usage: doctor_findings.py REPORT.json vpn STATUS [TEXT]     the vpn finding has STATUS (and TEXT in its detail)
       doctor_findings.py REPORT.json unprivileged           one access failure naming sudo; no advice that
                                                             the agent is not running or the kit not enrolled
       doctor_findings.py REPORT.json privileged             no access finding; the agent check passes
"""
import json
import sys

report = json.load(open(sys.argv[1]))
findings = {finding["check"]: finding for finding in report["findings"]}
mode = sys.argv[2]


def fail(reason):
    sys.exit(f"{mode}: {reason}: {json.dumps(report['findings'], ensure_ascii=False)}")


if "header" not in report or "hostName" not in report["header"] or "agentVersion" not in report["header"]:
    fail("no header")
if mode == "vpn":
    finding = findings.get("vpn") or fail("no vpn finding")
    if finding["status"] != sys.argv[3]:
        fail(f"vpn is {finding['status']}, expected {sys.argv[3]}")
    if len(sys.argv) > 4 and sys.argv[4] not in finding["detail"]:
        fail(f"vpn detail lacks {sys.argv[4]!r}")
elif mode == "unprivileged":
    access = findings.get("access") or fail("no access finding")
    if access["status"] != "failure" or "sudo" not in (access.get("fix") or ""):
        fail("the access finding does not name the sudo command")
    if report["findings"][0]["check"] != "access":
        fail("the access finding is not the first")
    if findings["agent"]["status"] != "skipped":
        fail("the agent check ran without access")
    for finding in report["findings"]:
        text = (finding["detail"] + " " + (finding.get("fix") or "")).lower()
        for misleading in ("kit-agent is not running", "not enrolled", "enroll the kit", "enroll again", "kit-agent enroll"):
            if misleading in text:
                fail(f"{finding['check']} says {misleading!r}")
elif mode == "privileged":
    if "access" in findings:
        fail("an access finding although the files are readable")
    if findings["agent"]["status"] != "ok":
        fail("the agent check does not pass")
else:
    sys.exit(f"unknown mode {mode}")
