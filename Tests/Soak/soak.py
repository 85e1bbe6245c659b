#!/usr/bin/env python3
"""The soak's bookkeeping (issue #19): the cases it works on and the invariants it checks at the end.

    soak.py cases TEMPLATE.json OUT.json HOME_KIT COUNTER_KIT COUNT
        COUNT cases for each kit, made from the demo's three visit kinds (a move with payment and
        an address written to the card; an ID-card application with photo, fingerprints and fee; a
        pick-up) with distinct citizens. Prints nothing.
    soak.py recorded QUEUE.json CASE KIND
        exit 0 when the kit's queue (`kit-agent queue list --json`) holds a KIND step of CASE.
    soak.py unaccounted RIG_DIR DRIVER_TSV
        the terminal charges (approved authorizations in every terminal generation's journal, as
        "JOURNAL:TRACE RECEIPT") that no payment in the driver's journal accounts for: what a clerk
        finds on the terminal's printout when the kit could not learn a payment's outcome.
    soak.py check WORK_DIR STORE KIT...
        reads what the run left in WORK_DIR (the driver's journal, each kit's queue, each kit's
        audit export and its verifier's exit code, the terminal journals, the fault log, the RSS
        samples, the link counters) and prints one line per invariant ("soak: ok: …" or
        "soak: FAIL: …") and the figures ("soak: figure: …"). Exit 1 when an invariant fails.
"""
import collections
import glob
import json
import os
import sys


def make_cases(template_path, out_path, home, counter, count):
    templates = [entry["snapshot"] for entry in json.load(open(template_path))]
    given = ["Hildegard", "Erwin", "Gertrud", "Walter", "Irmgard", "Heinz", "Ursula", "Günter"]
    family = ["Beispielfrau", "Mustermann", "Schäfer", "Weiß", "Öztürk", "Brückner", "Lange", "Groß"]
    streets = ["Kaiserstraße", "Rheinallee", "Große Bleiche", "Am Römertor", "Lessingstraße"]
    cases = []
    for kit, prefix in ((home, "H"), (counter, "C")):
        for index in range(count):
            snapshot = json.loads(json.dumps(templates[index % len(templates)]))
            number = f"{index + 1:05d}"
            snapshot["caseId"] = f"2026-SK-{prefix}{number}"
            snapshot["version"] = 1
            citizen = snapshot["citizen"]
            citizen["citizenId"] = f"R-55116-{prefix}{number}"
            citizen["givenNames"] = given[index % len(given)]
            citizen["familyName"] = family[(index // len(given)) % len(family)]
            citizen["dateOfBirth"] = f"19{30 + index % 30}-0{1 + index % 9}-1{index % 10}"
            citizen["address"]["street"] = f"{streets[index % len(streets)]} {1 + index % 90}"
            if prefix == "C":   # a counter case: a document handed over at the counter, no devices
                snapshot["title"] = "Abholung Meldebescheinigung"
                snapshot["steps"] = ["hand-out-document", "complete"]
                snapshot["fees"], snapshot["textsToSign"] = [], []
                snapshot["documents"] = [{"documentId": "MB-2026", "title": "Meldebescheinigung"}]
            for document in snapshot.get("documents", []):
                document["documentId"] = f"{document['documentId']}-{prefix}{number}"
            cases.append({"assignedKit": kit, "snapshot": snapshot})
    json.dump(cases, open(out_path, "w"), ensure_ascii=False, indent=1)


def terminal_charges(rig_dir):
    """(journal file name, trace number) → receipt number of each approved, not reversed authorization."""
    charges = {}
    for path in sorted(glob.glob(os.path.join(rig_dir, "zvt-journal*.json"))):
        for entry in (load_json(path, {}) or {}).get("entries", []):
            if entry.get("kind") == "authorization" and entry.get("approved") and not entry.get("reversed"):
                charges[f"{os.path.basename(path)}:{entry.get('traceNumber')}"] = entry.get("receiptNumber")
    return charges


def accounted_charges(journal):
    """Charges the driver's journal attributes to a case: confirmed, resolved as paid, recovered as paid."""
    return [(row[1], row[4]) for row in journal
            if row[2] == "payment" and row[3] in ("approved", "resolved-paid", "recovered-paid")]


def unaccounted(rig_dir, driver_tsv):
    charges = terminal_charges(rig_dir)
    for _, charge in accounted_charges(journal_lines(driver_tsv)):
        charges.pop(charge, None)
    for charge, receipt in sorted(charges.items()):
        print(charge, receipt)


def recorded(queue_path, case, kind):
    entries = json.load(open(queue_path))
    return any(e.get("caseId") == case and e.get("kind") == kind for e in entries)


class Report:
    def __init__(self):
        self.failed = 0

    def check(self, condition, text):
        print(f"soak: {'ok' if condition else 'FAIL'}: {text}")
        if not condition:
            self.failed += 1

    @staticmethod
    def figure(text):
        print(f"soak: figure: {text}")


def load_json(path, default=None):
    try:
        return json.load(open(path))
    except (OSError, ValueError):
        return default


def journal_lines(path):
    try:
        return [line.rstrip("\n").split("\t") for line in open(path) if line.strip()]
    except OSError:
        return []


def check(work, store, kits):
    report = Report()
    journal = journal_lines(os.path.join(work, "driver.tsv"))
    # driver.tsv: kit, case, kind, outcome[, detail]
    saved = collections.Counter((row[0], row[1], row[2]) for row in journal if row[3] in ("saved", "found"))
    given_up = [row for row in journal if row[3] == "given-up"]
    visits = [row for row in journal if row[2] == "visit" and row[3] == "done"]
    for kit in kits:
        queue = load_json(os.path.join(work, f"queue-{kit}.json"), [])
        by_state = collections.Counter(e["state"] for e in queue)
        seqs = sorted(e["seq"] for e in queue)
        report.check(seqs == list(range(1, len(seqs) + 1)),
                     f"{kit}: the outbox's seq runs 1…{len(seqs)} without a gap or a double")
        waiting = by_state.get("pending", 0) + by_state.get("sent", 0)
        report.check(waiting == 0, f"{kit}: nothing waits for the server after the faults healed ({waiting} waiting)")
        parked = [e for e in queue if e["state"] == "parked"]
        report.check(all((e.get("answer") or "").strip() for e in parked),
                     f"{kit}: every parked transaction carries the server's reason ({len(parked)} parked)")
        in_queue = collections.Counter((e.get("caseId"), e.get("kind")) for e in queue)
        missing = [key for (k, *key), _ in saved.items() if k == kit and in_queue[tuple(key)] == 0]
        report.check(not missing, f"{kit}: every step the clerk was told was saved is in the outbox"
                     + (f" (missing: {missing[:5]})" if missing else ""))
        doubled = [key for key, n in in_queue.items()
                   if n > 1 and key[1] not in ("payment.intent", "payment.outcome", "payment.deferred")]
        report.check(not doubled, f"{kit}: no step recorded twice for a case" + (f" ({doubled[:5]})" if doubled else ""))
        export = load_json(os.path.join(work, f"audit-{kit}.json"), {})
        chain = export.get("transactions", [])
        chain_seqs = [t["seq"] for t in chain]
        report.check(chain_seqs == list(range(1, len(seqs) + 1)),
                     f"{kit}: the server holds each of the kit's {len(seqs)} transactions exactly once "
                     f"(export: {len(chain_seqs)}, distinct {len(set(chain_seqs))})")
        verify = open(os.path.join(work, f"verify-{kit}.code")).read().strip() \
            if os.path.exists(os.path.join(work, f"verify-{kit}.code")) else "missing"
        report.check(verify == "0", f"{kit}: the independent verifier accepts the kit's chain and the audit trail "
                     f"(exit {verify})")
        kit_visits = sum(1 for v in visits if v[0] == kit)
        report.check(kit_visits > 0 and len(queue) > 0,
                     f"{kit}: work was done ({kit_visits} visits completed, {len(queue)} transactions)")
        report.figure(f"{kit}: {len(queue)} transactions ({', '.join(f'{s} {n}' for s, n in sorted(by_state.items()))}), "
                      f"{sum(1 for v in visits if v[0] == kit)} visits completed")
    report.check(not given_up, f"no step was given up after its retries ({len(given_up)} given up"
                 + (f": {given_up[:3]}" if given_up else "") + ")")
    # Payments: every charge in the terminals' journals (one per terminal generation) is attributed
    # to exactly one case (confirmed to the clerk, or resolved from the printout after an unknown
    # outcome), and no case has two.
    charges = terminal_charges(os.path.join(work, "rig"))
    accounted = accounted_charges(journal)
    by_charge = collections.Counter(charge for _, charge in accounted)
    by_case = collections.Counter(case for case, _ in accounted)
    report.check(all(n == 1 for n in by_case.values()), "no case was charged twice at the terminal"
                 + (f" ({[c for c, n in by_case.items() if n > 1]})" if any(n > 1 for n in by_case.values()) else ""))
    phantom = [charge for charge in by_charge if charge not in charges]
    report.check(set(by_charge) == set(charges) and all(n == 1 for n in by_charge.values()) and not phantom,
                 f"every terminal charge is accounted for exactly once: {len(charges)} at the terminals, "
                 f"{len(accounted)} attributed to cases")
    outcomes = collections.Counter(row[3] for row in journal if row[2] == "payment")
    report.figure("payments: " + ", ".join(f"{outcome} {n}" for outcome, n in sorted(outcomes.items())))
    # Resident memory after warm-up (each kind of visit done once, and at least a quarter of the
    # process's life) against the end, for processes that lived through most of the run; checked
    # when at least five minutes follow the warm-up, else only reported.
    samples = collections.defaultdict(list)
    for row in journal_lines(os.path.join(work, "rss.tsv")):
        seconds, name, pid, kilobytes = float(row[0]), row[1], row[2], int(row[3])
        samples[(name, pid)].append((seconds, kilobytes))
    run_seconds = max((s for series in samples.values() for s, _ in series), default=0)
    try:
        warmed_up = float(open(os.path.join(work, "warmed-up")).read())
    except (OSError, ValueError):
        warmed_up = None
    for (name, pid), series in sorted(samples.items()):
        span = series[-1][0] - series[0][0]
        if span < run_seconds * 0.5 or len(series) < 6:
            continue
        warm_at = max(series[0][0] + span * 0.25, warmed_up if warmed_up is not None else run_seconds)
        after = [k for s, k in series if s >= warm_at]
        text = f"{name} (pid {pid}, {span:.0f} s): resident memory"
        if not after or series[-1][0] - warm_at < 300:
            report.figure(f"{text} {series[0][1] / 1024:.1f} MB at start, {series[-1][1] / 1024:.1f} MB at the end "
                          "(not checked: less than 5 minutes after the warm-up)")
            continue
        warm, end = after[0], series[-1][1]
        report.check(end <= warm * 1.10, f"{text} after warm-up {warm / 1024:.1f} MB, at the end {end / 1024:.1f} MB "
                     "(≤ +10 %)")
    faults = collections.Counter(row[1] for row in journal_lines(os.path.join(work, "faults.tsv")))
    crashed = []
    # The product's processes: the agents (each kit's log) and the server; simulators are harness.
    for log in sorted(glob.glob(os.path.join(work, "rig", "agent*.log")) + [os.path.join(work, "sync-server.log")]):
        try:
            text = open(log, errors="replace").read()
        except OSError:
            continue
        count = text.count("*** Program crashed") + text.count("Fatal error:")
        if count:
            crashed.append(f"{os.path.basename(log)}: {count}")
    report.check(not crashed and not faults.get("agent-crashed"),
                 "no process crashed on its own" + (f" ({', '.join(crashed)})" if crashed else ""))
    report.figure("faults injected: " + (", ".join(f"{kind} {n}" for kind, n in sorted(faults.items())) or "none"))
    link = load_json(os.path.join(work, "link-stats.json"), {})
    if link:
        report.figure(f"link: {link['up.bytes'] / 1e6:.1f} MB up, {link['down.bytes'] / 1e6:.1f} MB down through "
                      f"WireGuard; datagrams dropped by the impairment: {link['up.dropped']} up, "
                      f"{link['down.dropped']} down")
    steps = collections.Counter(row[3] for row in journal if row[2] not in ("visit", "payment"))
    report.figure("steps: " + ", ".join(f"{outcome} {n}" for outcome, n in sorted(steps.items())))
    print(f"soak: {store}: {len(visits)} visits, {report.failed} invariant(s) failed")
    return 1 if report.failed else 0


def main():
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "cases" and len(sys.argv) == 7:
        make_cases(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6]))
    elif command == "unaccounted" and len(sys.argv) == 4:
        unaccounted(sys.argv[2], sys.argv[3])
    elif command == "recorded" and len(sys.argv) == 5:
        sys.exit(0 if recorded(sys.argv[2], sys.argv[3], sys.argv[4]) else 1)
    elif command == "check" and len(sys.argv) >= 5:
        sys.exit(check(sys.argv[2], sys.argv[3], sys.argv[4:]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
