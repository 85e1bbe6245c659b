// Durable enqueue against raw SQLite with the same durability, on the same disk, in one run.
// Prints a table; figures are ratios against the baseline because the machines are noisy.
import BenchmarkSupport
import Crypto
import Foundation
import GRDB
import KitAgent
import KitCore

let arguments = CommandLine.arguments
let directory = arguments.count > 1 ? arguments[1] : NSTemporaryDirectory() + "outbox-bench-\(getpid())"
let rounds = arguments.count > 2 ? Int(arguments[2]) ?? 5 : 5
let smallCount = 300
let largeCount = 20

func rawDatabase(_ path: String) throws -> DatabaseQueue {
    var configuration = Configuration()
    configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
    let queue = try DatabaseQueue(path: path, configuration: configuration)
    try queue.writeWithoutTransaction { db in
        _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
        try db.execute(sql: "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, payload BLOB NOT NULL)")
    }
    return queue
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = ContinuousClock.now
    try body()
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

struct Row {
    var name: String
    var baseline: Double
    var measured: Double
    var unit: String
    var count: Int
}

do {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let state = try StateDirectory.prepare(directory + "/kit")
    let keys = try KitKeyStore(stateDirectory: state)
    let serverKey = P256.KeyAgreement.PrivateKey()
    let outbox = Outbox(
        database: try AgentDatabase(path: state.appending("agent.sqlite")), kitId: "kit-bench",
        sealer: EnvelopeSealer(signingKey: try keys.signingKey(), serverDataKey: serverKey.publicKey))
    let raw = try rawDatabase(directory + "/raw.sqlite")
    var generator = SystemRandomNumberGenerator()
    let small = (0..<1024).map { _ in UInt8.random(in: 0...255, using: &generator) }
    // The raw baseline stores what the outbox stores: an envelope-sized blob per transaction.
    let smallEnvelopeSize = small.count + 16 + 300
    let smallBlob = Data((0..<smallEnvelopeSize).map { _ in UInt8.random(in: 0...255, using: &generator) })
    let large = (0..<(1 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) }
    let largeBlob = Data(large + Array(repeating: 0, count: 400))

    var rawSmall: [Double] = []
    var outboxSmall: [Double] = []
    var rawLarge: [Double] = []
    var outboxLarge: [Double] = []
    for _ in 0..<rounds {
        rawSmall.append(
            try seconds {
                for _ in 0..<smallCount {
                    try raw.write { db in
                        try db.execute(sql: "INSERT INTO t (payload) VALUES (?)", arguments: [smallBlob])
                    }
                }
            })
        outboxSmall.append(
            try seconds {
                for _ in 0..<smallCount {
                    _ = try outbox.enqueue(caseId: "bench", kind: "signature.captured", baseVersion: 1, payload: small)
                }
            })
        rawLarge.append(
            try seconds {
                for _ in 0..<largeCount {
                    try raw.write { db in
                        try db.execute(sql: "INSERT INTO t (payload) VALUES (?)", arguments: [largeBlob])
                    }
                }
            })
        outboxLarge.append(
            try seconds {
                for _ in 0..<largeCount {
                    _ = try outbox.enqueue(
                        caseId: "bench", kind: "fingerprints.captured", baseVersion: 1, payload: large)
                }
            })
    }
    let rows = [
        Row(
            name: "durable enqueue, 1 KiB payload", baseline: BenchmarkStatistics.median(rawSmall),
            measured: BenchmarkStatistics.median(outboxSmall),
            unit: "tx/s", count: smallCount),
        Row(
            name: "durable enqueue, 1 MiB payload", baseline: BenchmarkStatistics.median(rawLarge),
            measured: BenchmarkStatistics.median(outboxLarge),
            unit: "tx/s", count: largeCount),
    ]
    print(
        "Outbox benchmark — \(rounds) rounds, median; baseline: raw SQLite single-row insert, WAL + synchronous=FULL, same disk"
    )
    print("directory: \(directory)")
    print("")
    print("| case | raw SQLite | outbox (seal+sign+insert) | ratio outbox/raw | goal |")
    print("|---|---|---|---|---|")
    for row in rows {
        let baselineRate = Double(row.count) / row.baseline
        let measuredRate = Double(row.count) / row.measured
        print(
            "| \(row.name) | \(String(format: "%.0f", baselineRate)) \(row.unit) | \(String(format: "%.0f", measuredRate)) \(row.unit) | \(String(format: "%.2f", measuredRate / baselineRate)) | ≥ 0.80 |"
        )
    }
    try? FileManager.default.removeItem(atPath: directory)
} catch {
    FileHandle.standardError.write(Data("outbox-bench: \(error)\n".utf8))
    exit(1)
}
