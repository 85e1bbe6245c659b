#!/usr/bin/env python3
"""KitDrivers holds only code the kit runs (issue #21).

A file in Sources/KitDrivers is *live* when a type, function or constant it declares is named by
production code: the agent, the server, the core and the two command-line programs, or a live
KitDrivers file (followed until nothing changes). A file that is named only by the simulators,
the tests or the benchmarks belongs there instead, and this check fails naming it.

It also keeps the device shape of docs/ARCHITECTURE.md: in every device folder only the layer
folders (Wire, Transport, Session, Records, Quality; below them any domain folders), and no folder
with more than 25 files.

Extension-only files (`extension ZVTMessage { ... }`) follow the type they extend. The few files
that production reaches in ways this text search cannot see (a C callback, a protocol witness) are
listed in ALLOWED with their reason.

    scripts/check-driver-boundary.py [REPO]
    scripts/check-driver-boundary.py --self-test   (the check fails on a planted simulator-only file)
Prints one line per KitDrivers folder and exits 1 when a file is not live or the shape is broken.
"""

import pathlib
import re
import sys

LAYERS = {"Wire", "Transport", "Session", "Records", "Quality"}
SHARED = {"USB", "Device"}  # transport and life cycle shared by several devices
MAX_FILES = 25
# What the kit and the server run. KitSimulators, kit-sim, tests and benchmarks are not roots.
ROOTS = ["KitAgent", "KitCore", "SyncServer", "kit-agent", "sync-server"]
ALLOWED: dict[str, str] = {
    "WSQDecoder.swift": "the decoding half of the WSQ codec the kit writes; one codec, tested round-trip "
    "and against NIST's NBIS, and the parser a reader of the dossier's fingerprints runs",
    "NPAMunicipalityID.swift": "DG18 (municipality ID) of the ID card, which an address change writes "
    "together with DG17; the kit does not write it yet (noted in issue #21)",
}

DECLARATION = re.compile(
    r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|package|internal|fileprivate|private|final|indirect|"
    r"nonisolated|static|mutating|override|convenience|required)\s+)*"
    r"(?:struct|enum|class|actor|protocol|typealias|func|let|var)\s+([A-Za-z_][A-Za-z0-9_]*)",
    re.MULTILINE,
)
EXTENSION = re.compile(r"^\s*(?:public\s+|package\s+)?extension\s+([A-Za-z_][A-Za-z0-9_.]*)", re.MULTILINE)
COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.DOTALL)
WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def words(text: str) -> set[str]:
    return set(WORD.findall(COMMENT.sub(" ", text)))


def top_level_names(text: str) -> set[str]:
    """Names declared at the top level (types, free functions, constants), not members or locals.

    Members declared in an `extension` of another file's type count too: production names them
    (`.selectFile(...)`), not the extended type. An initializer in an extension cannot be told
    apart by name; such a file follows the type it extends.
    """
    names = set()
    depth = 0
    in_extension = False
    for line in COMMENT.sub(" ", text).splitlines():
        if depth == 0:
            in_extension = EXTENSION.match(line) is not None
        if depth == 0 or (depth == 1 and in_extension):
            match = DECLARATION.match(line)
            if match:
                names.add(match.group(1))
        depth += line.count("{") - line.count("}")
    return names


def extends_with_initializer(text: str) -> set[str]:
    """Types this file extends with an initializer (`extension T { init(...) }`)."""
    found = set()
    for block in re.split(r"(?m)^(?=\S)", COMMENT.sub(" ", text)):
        match = EXTENSION.match(block)
        if match and re.search(r"(?m)^    (?:public |package )?(?:convenience )?init[(<]", block):
            found.add(match.group(1).split(".")[0])
    return found


def shape_problems(drivers: pathlib.Path) -> list[str]:
    problems = []
    for device in sorted(p for p in drivers.iterdir() if p.is_dir()):
        if device.name in SHARED:
            continue
        for layer in sorted(p for p in device.iterdir() if p.is_dir()):
            if layer.name not in LAYERS:
                problems.append(f"{layer.relative_to(drivers)}: not a layer folder ({', '.join(sorted(LAYERS))})")
    for folder in [drivers, *sorted(p for p in drivers.rglob("*") if p.is_dir())]:
        count = sum(1 for f in folder.iterdir() if f.is_file())
        if count > MAX_FILES:
            problems.append(f"{folder.relative_to(drivers)}: {count} files, more than {MAX_FILES}: split it along its layers")
    return problems


def check(repo: pathlib.Path) -> int:
    drivers = repo / "Sources" / "KitDrivers"
    files = sorted(drivers.rglob("*.swift"))
    declared = {f: top_level_names(f.read_text()) for f in files}
    # Extension-only files and extensions with an initializer follow the type they extend.
    extended = {}
    for f in files:
        text = f.read_text()
        extended[f] = extends_with_initializer(text)
        if not declared[f]:
            extended[f] |= {m.split(".")[0] for m in EXTENSION.findall(text)}
    used = set()
    for root in ROOTS:
        for f in (repo / "Sources" / root).rglob("*.swift"):
            used |= words(f.read_text())
    live: set[pathlib.Path] = set()
    changed = True
    while changed:
        changed = False
        for f in files:
            if f in live:
                continue
            if (declared[f] & used) or (extended[f] & used) or f.name in ALLOWED:
                live.add(f)
                used |= words(f.read_text())
                changed = True
    dead = [f for f in files if f not in live]
    folders: dict[str, list[int]] = {}
    for f in files:
        key = str(f.parent.relative_to(drivers))
        counts = folders.setdefault(key, [0, 0])
        counts[0 if f in live else 1] += 1
    for key, (alive, unused) in sorted(folders.items()):
        print(f"driver-boundary: {key}: {alive} files the kit runs" + (f", {unused} NOT" if unused else ""))
    for f in files:
        if f in live and f.name in ALLOWED and not (declared[f] & used_by_others(f, files, live, repo)):
            print(f"driver-boundary: kept {f.relative_to(repo)}: {ALLOWED[f.name]}")
    for f in dead:
        print(f"driver-boundary: FAIL {f.relative_to(repo)}: only simulators, tests or benchmarks use it; "
              "move it to Sources/KitSimulators or the tests")
    shape = shape_problems(drivers)
    for problem in shape:
        print(f"driver-boundary: FAIL shape: {problem}")
    print(f"driver-boundary: {len(files) - len(dead)} of {len(files)} KitDrivers files are used by the kit, "
          f"{len(shape)} shape problems")
    return 1 if dead or shape else 0


def used_by_others(file: pathlib.Path, files, live, repo: pathlib.Path) -> set[str]:
    """Words of the production roots and of the other live driver files (for the 'kept' report)."""
    seen = set()
    for root in ROOTS:
        for f in (repo / "Sources" / root).rglob("*.swift"):
            seen |= words(f.read_text())
    for f in files:
        if f in live and f != file:
            seen |= words(f.read_text())
    return seen


def self_test() -> int:
    """Plants a file only the simulators use and a 26-file folder in a copy: both must fail."""
    import shutil
    import subprocess
    import tempfile

    repo = pathlib.Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as tmp:
        copy = pathlib.Path(tmp)
        for root in [*ROOTS, "KitDrivers", "KitSimulators"]:
            shutil.copytree(repo / "Sources" / root, copy / "Sources" / root)
        clean = subprocess.run([sys.executable, __file__, str(copy)], capture_output=True, text=True)
        planted = copy / "Sources" / "KitDrivers" / "Fingerprint" / "Records" / "PlantedSimulatorOnly.swift"
        planted.write_text("public struct PlantedSimulatorOnly {}\n")
        (copy / "Sources" / "KitSimulators" / "UsesPlanted.swift").write_text("let planted = PlantedSimulatorOnly()\n")
        crowded = copy / "Sources" / "KitDrivers" / "Camera" / "Gallery"
        crowded.mkdir()
        for index in range(MAX_FILES + 1):
            (crowded / f"Planted{index}.swift").write_text(f"public let plantedValue{index} = {index}\n")
        dirty = subprocess.run([sys.executable, __file__, str(copy)], capture_output=True, text=True)
    expected = ["PlantedSimulatorOnly.swift: only simulators", "Camera/Gallery: not a layer folder",
                f"Camera/Gallery: {MAX_FILES + 1} files"]
    missing = [text for text in expected if text not in dirty.stdout]
    if clean.returncode != 0 or dirty.returncode != 1 or missing:
        print(f"driver-boundary: FAIL self-test: clean copy exit {clean.returncode}, planted copy exit "
              f"{dirty.returncode}, not reported: {missing}")
        return 1
    print("driver-boundary: self-test ok: a planted simulator-only file and a crowded, unknown folder fail")
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--self-test"]:
        sys.exit(self_test())
    sys.exit(check(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()))
