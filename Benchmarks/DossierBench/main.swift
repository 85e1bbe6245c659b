// Hand-off benchmark (issue 16, acceptance 7): building and sealing dossiers that each hold a
// finger set and a signature, against reading their envelopes from the store in the same run.
// A SQLite store on disk, one kit, one receiving procedure (document authority: it receives every
// case with fingerprints). Prints a table; the figure is the ratio to the read baseline.
import BenchmarkSupport
import Crypto
import Foundation
import KitCore
import KitDrivers
import Logging
import SyncServer

struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

struct Options {
    var count = 1_000
    var runs = 3
    var directory = "/var/tmp/dossier-bench-\(getpid())"

    init(_ arguments: [String]) throws {
        var rest = arguments.dropFirst()
        while let argument = rest.popFirst() {
            switch argument {
            case "--count":
                guard let value = rest.popFirst().flatMap(Int.init), value > 0 else {
                    throw BenchFailure("--count needs a positive number")
                }
                count = value
            case "--runs":
                guard let value = rest.popFirst().flatMap(Int.init), value > 0 else {
                    throw BenchFailure("--runs needs a positive number")
                }
                runs = value
            case "--dir":
                guard let value = rest.popFirst() else { throw BenchFailure("--dir needs a path") }
                directory = value
            default:
                throw BenchFailure("usage: dossier-bench [--count N] [--runs N] [--dir PATH]")
            }
        }
    }
}

/// The evidence one case carries: a signature (KSIG framing with a rendered PNG, as the pad
/// driver seals it) and a finger set of four fingers (facts and WSQ-sized attachment).
struct Evidence {
    let signature: [UInt8]
    let fingers: [UInt8]

    init() throws {
        var pixels = [UInt8](repeating: 255, count: 600 * 240)
        for x in 40..<560 {
            let y = 120 + Int(60 * sin(Double(x) / 40))
            for dy in -2...2 { pixels[(y + dy) * 600 + x] = 0 }
        }
        let png = try PNGEncoder.encodeGrayscale(width: 600, height: 240, pixels: pixels)
        var generator = SystemRandomNumberGenerator()
        let record = (0..<24_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        var ksig = Array("KSIG".utf8) + [1] + Array(SHA256.hash(data: Data("Antrag".utf8)))
        appendU32(UInt32(record.count), to: &ksig)
        ksig += record
        appendU32(UInt32(png.count), to: &ksig)
        ksig += png
        signature = try StepPayload.compose(
            facts: StepPayload.Signature(
                documentSHA256: Hex.encode(SHA256.hash(data: Data("Antrag".utf8))), sampleCount: 2_400,
                padModel: "STU-540"),
            attachment: ksig)
        let positions = ["rightIndex", "leftIndex", "rightThumb", "leftThumb"]
        fingers = try StepPayload.compose(
            facts: StepPayload.FingerprintSet(
                kept: positions.map { .init(position: $0, score: 70, meetsThreshold: true) }, skipped: [],
                scanner: "libfprint/virtual_image"),
            attachment: (0..<(4 * 15_000)).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }
}

func appendU32(_ value: UInt32, to out: inout [UInt8]) {
    out += [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
}

func seconds(_ body: () async throws -> Void) async rethrows -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    try await body()
    return (clock.now - start).seconds
}

func run(_ options: Options) async throws {
    try FileManager.default.createDirectory(atPath: options.directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: options.directory) }
    let store = try SQLiteSyncStore(path: options.directory + "/sync-server.sqlite")
    let dataKey = P256.KeyAgreement.PrivateKey()
    let kitKey = P256.Signing.PrivateKey()
    let consumerKey = P256.KeyAgreement.PrivateKey()
    let token = Array(SHA256.hash(data: Data("bench enrol".utf8)))
    try await store.createEnrollment(kitId: "kit-bench", tokenHash: token, expiresAt: Date().addingTimeInterval(600))
    _ = try await store.redeemEnrollment(
        tokenHash: token, kitId: "kit-bench", signingKey: Array(kitKey.publicKey.x963Representation),
        apiTokenHash: Array(SHA256.hash(data: Data("bench api".utf8))), now: Date())
    try await store.addConsumer(
        HandoffConsumer(
            name: "ausweisbehoerde", procedure: .documentAuthority,
            publicKey: Array(consumerKey.publicKey.x963Representation), active: true, createdAt: Date()),
        tokenHash: Array(SHA256.hash(data: Data("bench consumer".utf8))))

    // Setup (not measured): the cases, their envelopes ingested and applied.
    let evidence = try Evidence()
    let sealer = EnvelopeSealer(signingKey: kitKey, serverDataKey: dataKey.publicKey)
    let engine = IngestEngine(opener: EnvelopeOpener(dataKey: dataKey))
    var seq: UInt64 = 0
    var previous = TransactionHeader.genesisHash
    var batch: [Data] = []
    var envelopeBytes = 0
    for index in 0..<options.count {
        let caseId = "2026-BENCH-\(10_000 + index)"
        try await store.upsertCase(
            CaseSnapshot(
                caseId: caseId, version: 1, title: "Personalausweis",
                citizen: .init(
                    citizenId: "citizen-\(index)", givenNames: "Erika", familyName: "Mustermann",
                    dateOfBirth: "1964-08-12", address: .init(street: "Heidestraße 17", zip: "51147", city: "Köln"),
                    registerVersion: 1),
                steps: [.sign, .fingerprints, .complete], textsToSign: ["Antrag"]),
            assignedKit: "kit-bench")
        for (kind, payload) in [
            (TransactionKind.signatureCaptured, evidence.signature), (.fingerprintsCaptured, evidence.fingers),
            (.caseCompleted, Array("{}".utf8)),
        ] {
            seq += 1
            let header = TransactionHeader(
                kitId: "kit-bench", seq: seq, txId: UUID(), caseId: caseId, baseVersion: 1, kind: kind.rawValue,
                monotonicNanos: seq * 1_000, wallMillis: 1_780_000_000_000 + Int64(seq), prevHash: previous)
            let envelope = try sealer.seal(header: header, payload: payload)
            previous = envelope.hash
            let bytes = envelope.encoded()
            envelopeBytes += bytes.count
            batch.append(Data(bytes))
        }
        if batch.count >= 60 || index == options.count - 1 {
            let reply = try await store.ingest(envelopes: batch, kitId: "kit-bench", engine: engine)
            guard reply.results.allSatisfy({ $0.outcome == .applied }) else {
                throw BenchFailure("setup: not every step was applied: \(reply.results.map(\.outcome))")
            }
            batch = []
        }
    }
    let ids = try await store.dossiersAwaitingBuild(limit: options.count + 1)
    guard ids.count == options.count else {
        throw BenchFailure("setup: \(ids.count) hand-off records for \(options.count) cases")
    }
    print(
        "dossier-bench: \(options.count) cases, each a signature and a finger set "
            + "(\(envelopeBytes / options.count / 1_024) KiB of envelopes per case), SQLite at \(options.directory)")

    // Baseline: read every dossier's envelopes (and the rest of its sources) from the store.
    var reads: [Double] = []
    var sources: [DossierSources] = []
    for _ in 0..<options.runs {
        var collected: [DossierSources] = []
        reads.append(
            try await seconds {
                for id in ids {
                    guard let read = try await store.dossierSources(dossierId: id) else {
                        throw BenchFailure("no sources for \(id)")
                    }
                    collected.append(read)
                }
            })
        sources = collected
    }
    // Build and seal in memory: open each payload with the data key, seal it to the receiver, sign.
    let builder = DossierBuilder(opener: EnvelopeOpener(dataKey: dataKey), signingKey: P256.Signing.PrivateKey())
    var builds: [Double] = []
    var containerBytes = 0
    for _ in 0..<options.runs {
        containerBytes = 0
        builds.append(
            try await seconds {
                for read in sources { containerBytes += try builder.build(read).count }
            })
    }
    // The whole path as the server runs it, once: read, build, seal, store with its feed position.
    let assembly = DossierAssembly(
        store: store, builder: builder,
        logger: Logger(label: "dossier-bench", factory: { _ in SwiftLogNoOpLogHandler() }))
    var stored = 0
    // A run builds at most 500 waiting records; the server's maintenance loop simply runs again.
    let whole = try await seconds {
        while case let built = try await assembly.buildPending(), built > 0 { stored += built }
    }
    await store.close()
    guard stored == options.count else { throw BenchFailure("stored \(stored) of \(options.count) dossiers") }

    let read = BenchmarkStatistics.median(reads)
    let build = BenchmarkStatistics.median(builds)
    func row(_ name: String, _ total: Double, runs: [Double] = []) -> String {
        let perDossier = total / Double(options.count) * 1_000
        let each = runs.count > 1 ? " (" + runs.map { String(format: "%.2f", $0) }.joined(separator: ", ") + ")" : ""
        return "| \(name) | \(String(format: "%.2f", total))\(each) | \(String(format: "%.2f", perDossier)) | "
            + "\(String(format: "%.1f", total / read)) |"
    }
    print("")
    print("| \(options.count) dossiers (median of \(options.runs) runs) | total s | ms per dossier | × read |")
    print("|---|---|---|---|")
    print(row("read envelopes from the store (dossierSources)", read, runs: reads))
    print(row("build and seal in memory (DossierBuilder)", build, runs: builds))
    print(row("read, build, seal and store, once (DossierAssembly)", whole))
    print("")
    print(
        "dossier-bench: ratio build+seal / read = \(String(format: "%.1f", build / read)); "
            + "containers \(containerBytes / options.count / 1_024) KiB each")
}

do {
    try await run(try Options(CommandLine.arguments))
} catch {
    FileHandle.standardError.write(Data("dossier-bench: \(error)\n".utf8))
    exit(1)
}
