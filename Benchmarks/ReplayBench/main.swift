// Sync benchmarks (issue 4): replay drain against the store's raw insert, link-up to first
// acknowledgement, and ingest from many concurrent kits — a real sync server in this process on
// loopback with its default mutual TLS, real kits (enrollment, outbox, SyncClient, LinkMonitor).
// Prints tables; figures are ratios against baselines measured in the same run (noisy machines).
import BenchmarkSupport
import Crypto
import Foundation
import KitAgent
import KitCore
import KitTestSupport
import Logging
import PostgresNIO
import SyncServer

struct Options {
    var quick = false
    var runs = 3
    var directory = "/var/tmp/replay-bench-\(getpid())"

    /// Transactions queued for the drain.
    var drainCount: Int { quick ? 1_000 : 10_000 }
    /// Concurrent simulated kits and the batches of ``batchSize`` each sends.
    var kitCount: Int { quick ? 10 : 100 }
    var batchesPerKit: Int { 5 }
    var batchSize: Int { 20 }
    var linkUpRuns: Int { quick ? 2 : max(runs, 3) }
    var syncBatchSize: Int { 100 }

    init(_ arguments: [String]) throws {
        var rest = arguments.dropFirst()
        while let argument = rest.popFirst() {
            switch argument {
            case "--quick": quick = true
            case "--runs":
                guard let value = rest.popFirst().flatMap(Int.init), value > 0 else {
                    throw BenchFailure("--runs needs a positive number")
                }
                runs = value
            case "--dir":
                guard let value = rest.popFirst() else { throw BenchFailure("--dir needs a path") }
                directory = value
            default:
                throw BenchFailure("usage: replay-bench [--quick] [--runs N] [--dir PATH]")
            }
        }
        if quick { runs = min(runs, 2) }
    }
}

/// Figures of one store.
struct StoreFigures {
    var store: String
    var rawBatched: [Double] = []
    var rawPerRow: [Double] = []
    var drain: Double = 0
    var concurrentRate: Double = 0
    var concurrentLatencies: [Double] = []
    var singleRate: Double = 0
    var singleLatencies: [Double] = []
}

struct LinkUpRun {
    var toReachable: Double
    var reachableToAck: Double
    var toFirstAck: Double
    var toDrained: Double
}

/// Servers and clients here log nothing; the tables are the output.
enum Bench {
    static let logger = quietLogger("replay-bench")
}

/// Runs `body` against a sync server on `storage`, started on a fresh database.
func withServer<T>(
    _ configuration: ServerConfiguration, _ body: (RunningServer, any SyncStore, URL, String) async throws -> T
) async throws -> T {
    let application = SyncServerApplication(configuration: configuration, logger: Bench.logger)
    let store = try await application.openStore()
    let server = try await RunningServer.start(application)
    do {
        let url = try AgentConfiguration.parseServerURL("https://127.0.0.1:\(server.port)")
        let caPEM = try String(contentsOfFile: configuration.stateDirectory + "/keys/kit-ca.pem", encoding: .utf8)
        let value = try await body(server, store, url, caPEM)
        await server.stop()
        await store.close()
        return value
    } catch {
        await server.stop()
        await store.close()
        throw error
    }
}

/// A real kit: enrolled over HTTPS with the server's CA, its runtime and outbox, `count`
/// `identity.checked` transactions queued for three checked-out cases.
func enrolledRuntime(
    kitId: String, directory: String, store: any SyncStore, url: URL, caPEM: String
) async throws -> KitRuntime {
    let token = BearerToken.generate()
    try await store.createEnrollment(
        kitId: kitId, tokenHash: BearerToken.hash(token), expiresAt: Date().addingTimeInterval(600))
    for index in 1...3 {
        try await store.upsertCase(CaseFixture.snapshot("\(kitId)-case-\(index)"), assignedKit: kitId)
    }
    let state = try StateDirectory.prepare(directory)
    _ = try await Enrollment.enroll(
        stateDirectory: state, serverURL: url, kitId: kitId, token: token, caCertificatePEM: caPEM)
    let runtime = try KitRuntime(
        configuration: AgentConfiguration(stateDirectory: state.path, serverURL: url), directory: state,
        lockCost: .testing)
    try await runtime.lock.initialize(secret: "Mainzer-Rad-2026")
    return runtime
}

func enqueue(_ count: Int, on runtime: KitRuntime) throws -> Outbox {
    guard let outbox = runtime.outbox else { throw BenchFailure("no outbox: \(runtime.outboxProblem ?? "?")") }
    for index in 0..<count {
        _ = try outbox.enqueue(
            caseId: "\(runtime.kitId)-case-\(index % 3 + 1)", kind: TransactionKind.identityChecked.rawValue,
            baseVersion: 1, payload: Array("{}".utf8))
    }
    return outbox
}

/// 1. Drain `count` queued transactions with `SyncClient.syncNow()`, and the raw baselines.
func measureDrain(
    options: Options, figures: inout StoreFigures, store: any SyncStore, url: URL, caPEM: String,
    rawInsert: @Sendable ([RawRow], Int) async throws -> Double
) async throws {
    let runtime = try await enrolledRuntime(
        kitId: "kit-drain", directory: options.directory + "/kit-drain-\(figures.store)", store: store, url: url,
        caPEM: caPEM)
    progress("\(figures.store): enqueueing \(options.drainCount) transactions")
    let outbox = try enqueue(options.drainCount, on: runtime)
    let rows = try RawRow.rows(for: try outbox.envelopes(from: 1, limit: options.drainCount).map { Data($0.bytes) })
    for run in 1...options.runs {
        progress("\(figures.store): raw insert run \(run)")
        figures.rawBatched.append(Double(rows.count) / (try await rawInsert(rows, options.syncBatchSize)))
    }
    figures.rawPerRow.append(Double(rows.count) / (try await rawInsert(rows, 1)))
    progress("\(figures.store): draining")
    let connection = ServerConnection(keys: runtime.keys)
    let client = SyncClient(
        runtime: runtime, connection: connection, logger: Bench.logger, batchSize: options.syncBatchSize)
    var summary = SyncSummary()
    let elapsed = try await seconds { summary = try await client.syncNow() }
    await connection.shutdown()
    let depth = try outbox.stats().queueDepth
    guard summary.acknowledged == options.drainCount, summary.parked == 0, depth == 0 else {
        throw BenchFailure(
            "\(figures.store): drain acknowledged \(summary.acknowledged), parked \(summary.parked), left \(depth)")
    }
    figures.drain = Double(options.drainCount) / elapsed
}

/// 3. Many kits sending batches at once, then the same number of transactions from one kit.
func measureConcurrentKits(
    options: Options, figures: inout StoreFigures, kits: [SimulatedKit], single: SimulatedKit, store: any SyncStore,
    url: URL, caPEM: String
) async throws {
    progress("\(figures.store): enrolling \(kits.count + 1) kits")
    var enrolled: [EnrolledKit] = []
    for kit in kits { enrolled.append(try await kit.enroll(store: store, serverURL: url, caPEM: caPEM)) }
    let lone = try await single.enroll(store: store, serverURL: url, caPEM: caPEM)
    try await withThrowingTaskGroup(of: Void.self) { group in
        for kit in enrolled + [lone] { group.addTask { try await kit.connect() } }
        try await group.waitForAll()
    }
    progress("\(figures.store): \(kits.count) kits sending")
    let batch = options.batchSize
    let snapshot = enrolled
    let start = ContinuousClock.now
    let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
        for kit in snapshot {
            group.addTask {
                var measured: [Double] = []
                for first in stride(from: 0, to: kit.kit.envelopes.count, by: batch) {
                    measured.append(try await kit.send(first..<min(first + batch, kit.kit.envelopes.count)))
                }
                return measured
            }
        }
        var all: [Double] = []
        for try await measured in group { all += measured }
        return all
    }
    let wall = (ContinuousClock.now - start).seconds
    figures.concurrentRate = Double(kits.reduce(0) { $0 + $1.envelopes.count }) / wall
    figures.concurrentLatencies = latencies
    progress("\(figures.store): one kit sending")
    var single: [Double] = []
    let singleWall = try await seconds {
        for first in stride(from: 0, to: lone.kit.envelopes.count, by: batch) {
            single.append(try await lone.send(first..<min(first + batch, lone.kit.envelopes.count)))
        }
    }
    figures.singleRate = Double(lone.kit.envelopes.count) / singleWall
    figures.singleLatencies = single
    for kit in enrolled + [lone] { await kit.shutdown() }
}

/// Records when the link monitor saw the server, and wakes a sync loop as `SyncService` does.
actor LinkEvents {
    private(set) var reachableAt: ContinuousClock.Instant?
    func reachable() { reachableAt = .now }
    func reset() { reachableAt = nil }
}

/// 2. Server down, transactions queued; start the server; time to the first acknowledgement,
/// with the agent's LinkMonitor (probe every second, mutual TLS) waking the sync.
func measureLinkUp(options: Options, configuration: ServerConfiguration) async throws -> [LinkUpRun] {
    var fixed = configuration
    fixed.port = try ListeningSocket().port
    let application = SyncServerApplication(configuration: fixed, logger: Bench.logger)
    let store = try await application.openStore()
    var server = try await RunningServer.start(application)
    let url = try AgentConfiguration.parseServerURL("https://127.0.0.1:\(server.port)")
    let caPEM = try String(contentsOfFile: fixed.stateDirectory + "/keys/kit-ca.pem", encoding: .utf8)
    let runtime = try await enrolledRuntime(
        kitId: "kit-linkup", directory: options.directory + "/kit-linkup", store: store, url: url, caPEM: caPEM)
    await server.stop()
    guard let outbox = runtime.outbox else { throw BenchFailure("no outbox") }

    // The agent's wiring: LinkMonitor.onReachable → SyncService.trigger → SyncClient.syncNow().
    let syncConnection = ServerConnection(keys: runtime.keys)
    let client = SyncClient(runtime: runtime, connection: syncConnection, logger: Bench.logger, batchSize: 100)
    let probeConnection = ServerConnection(keys: runtime.keys)
    let monitor = LinkMonitor(
        serverURL: url, interval: 1, timeout: 2, connection: probeConnection, logger: Bench.logger)
    let events = LinkEvents()
    let (wakes, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    await monitor.onReachable {
        await events.reachable()
        wake.yield()
    }
    let syncLoop = Task {
        for await _ in wakes { _ = try? await client.syncNow() }
    }
    let probing = Task { try await monitor.run() }
    defer {
        probing.cancel()
        syncLoop.cancel()
        wake.finish()
    }

    var runs: [LinkUpRun] = []
    for run in 1...options.linkUpRuns {
        let deadline = ContinuousClock.now + .seconds(10)
        while await monitor.status.reachability != .unreachable {
            guard ContinuousClock.now < deadline else { throw BenchFailure("link monitor never saw the server down") }
            try await Task.sleep(for: .milliseconds(20))
        }
        await events.reset()
        _ = try enqueue(100, on: runtime)
        let before = try outbox.acknowledgedHighWater()
        // Start the server at a random point of the probe interval.
        try await Task.sleep(for: .milliseconds(Int.random(in: 0..<1000)))
        server = try await RunningServer.start(application)
        var firstAck: ContinuousClock.Instant?
        var drained: ContinuousClock.Instant?
        let limit = server.listeningAt + .seconds(15)
        while drained == nil {
            guard ContinuousClock.now < limit else {
                await server.stop()
                throw BenchFailure("link-up run \(run): no acknowledgement within 15 s")
            }
            let high = try outbox.acknowledgedHighWater()
            if firstAck == nil && high > before { firstAck = .now }
            if high >= before + 100 { drained = .now }
            try await Task.sleep(for: .milliseconds(2))
        }
        await server.stop()
        guard let firstAck, let drained, let reachable = await events.reachableAt else {
            throw BenchFailure("link-up run \(run): the link monitor did not report the server")
        }
        runs.append(
            LinkUpRun(
                toReachable: (reachable - server.listeningAt).seconds, reachableToAck: (firstAck - reachable).seconds,
                toFirstAck: (firstAck - server.listeningAt).seconds, toDrained: (drained - server.listeningAt).seconds))
        progress("link-up run \(run): \(Format.milliseconds(runs[runs.count - 1].toFirstAck)) to first ack")
    }
    await syncConnection.shutdown()
    await probeConnection.shutdown()
    await store.close()
    return runs
}

func printTables(options: Options, stores: [StoreFigures], linkUp: [LinkUpRun], notes: [String]) {
    let mode = options.quick ? "quick" : "default"
    print("Sync benchmark (\(mode)): a sync-server in process on 127.0.0.1 with mutual TLS, real kits")
    print("directory: \(options.directory)")
    for note in notes { print("note: \(note)") }
    print("")
    print(
        "1. Replay drain of \(options.drainCount) queued transactions, one kit, SyncClient.syncNow() in batches of "
            + "\(options.syncBatchSize); baseline: the store's raw insert of the same rows, same durability")
    print("")
    print(
        "| store | raw insert, \(options.syncBatchSize) rows/commit (runs → median) | raw insert, 1 row/commit | "
            + "drain | ratio drain/raw | ratio drain/raw 1 row/commit | goal |")
    print("|---|---|---|---|---|---|---|")
    for figures in stores {
        let raw = BenchmarkStatistics.median(figures.rawBatched)
        let perRow = BenchmarkStatistics.median(figures.rawPerRow)
        print(
            "| \(figures.store) | \(Format.runs(figures.rawBatched, Format.rate)) → \(Format.rate(raw)) | "
                + "\(Format.rate(perRow)) | \(Format.rate(figures.drain)) | \(Format.ratio(figures.drain / raw)) | "
                + "\(Format.ratio(figures.drain / perRow)) | ≥ 0.50 |")
    }
    print("")
    print(
        "2. Link-up to first acknowledgement: 100 queued, server started at a random point of the 1 s probe "
            + "interval; LinkMonitor.onReachable wakes the sync loop (sqlite store)")
    print("")
    print("| run | listening → reachable | reachable → first ack | listening → first ack | listening → 100 acked |")
    print("|---|---|---|---|---|")
    for (index, run) in linkUp.enumerated() {
        print(
            "| \(index + 1) | \(Format.milliseconds(run.toReachable)) | \(Format.milliseconds(run.reachableToAck)) | "
                + "\(Format.milliseconds(run.toFirstAck)) | \(Format.milliseconds(run.toDrained)) |")
    }
    if !linkUp.isEmpty {
        let summaries: [(String, ([Double]) -> Double)] = [
            ("median", BenchmarkStatistics.median), ("max", { $0.max() ?? .nan }),
        ]
        for (name, pick) in summaries {
            print(
                "| \(name) | \(Format.milliseconds(pick(linkUp.map(\.toReachable)))) | "
                    + "\(Format.milliseconds(pick(linkUp.map(\.reachableToAck)))) | "
                    + "\(Format.milliseconds(pick(linkUp.map(\.toFirstAck)))) | "
                    + "\(Format.milliseconds(pick(linkUp.map(\.toDrained)))) |")
        }
        print("goal: listening → first ack < 1 s")
    }
    print("")
    let perKit = options.batchesPerKit * options.batchSize
    print(
        "3. \(options.kitCount) concurrent kits × \(options.batchesPerKit) batches of \(options.batchSize) "
            + "(\(options.kitCount * perKit) tx), each kit its own mutual-TLS connection; baseline: the same number "
            + "of transactions from one kit")
    print("")
    print(
        "| store | concurrent throughput | p50 | p99 | max | one kit throughput | one kit p50 | one kit p99 | "
            + "ratio concurrent/one kit | goal |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for figures in stores {
        let all = figures.concurrentLatencies
        print(
            "| \(figures.store) | \(Format.rate(figures.concurrentRate)) | "
                + "\(Format.milliseconds(BenchmarkStatistics.percentile(all, 50))) | \(Format.milliseconds(BenchmarkStatistics.percentile(all, 99))) | "
                + "\(Format.milliseconds(all.max() ?? .nan)) | \(Format.rate(figures.singleRate)) | "
                + "\(Format.milliseconds(BenchmarkStatistics.percentile(figures.singleLatencies, 50))) | "
                + "\(Format.milliseconds(BenchmarkStatistics.percentile(figures.singleLatencies, 99))) | "
                + "\(Format.ratio(figures.concurrentRate / figures.singleRate)) | p99 < 100 ms |")
    }
}

do {
    let options = try Options(CommandLine.arguments)
    try FileManager.default.createDirectory(atPath: options.directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: options.directory) }
    // One server state directory (keys, CA, data key) for every server here, so the simulated
    // kits' envelopes, sealed once to its data key, can be sent to the SQLite and the PostgreSQL
    // server alike.
    let serverState = options.directory + "/server"
    let keys = try ServerKeys.loadOrCreate(in: try StateDirectory.prepare(serverState))
    var notes: [String] = []

    progress("generating envelopes for \(options.kitCount + 1) simulated kits")
    let perKit = options.batchesPerKit * options.batchSize
    let dataKey = keys.dataKey.publicKey
    let directory = options.directory
    let kits = try await withThrowingTaskGroup(of: SimulatedKit.self) { group in
        var kits: [SimulatedKit] = []
        // Two at a time: the machine has two cores.
        for index in 0..<options.kitCount {
            if index >= 2, let kit = try await group.next() { kits.append(kit) }
            group.addTask {
                let id = String(format: "sim-%03d", index)
                return try SimulatedKit.generate(
                    kitId: id, caseId: id + "-case", directory: directory + "/" + id, count: perKit, dataKey: dataKey)
            }
        }
        for try await kit in group { kits.append(kit) }
        return kits.sorted { $0.kitId < $1.kitId }
    }
    let single = try SimulatedKit.generate(
        kitId: "sim-single", caseId: "sim-single-case", directory: directory + "/sim-single",
        count: options.kitCount * perKit, dataKey: dataKey)

    var stores: [StoreFigures] = []

    // SQLite: the embedded default, in the server's state directory.
    do {
        var figures = StoreFigures(store: "sqlite")
        let configuration = ServerConfiguration(port: 0, stateDirectory: serverState, storage: .sqlite)
        try await withServer(configuration) { _, store, url, caPEM in
            try await measureDrain(
                options: options, figures: &figures, store: store, url: url, caPEM: caPEM,
                rawInsert: { rows, perTransaction in
                    try await RawInsert.sqlite(
                        path: serverState + "/raw-baseline.sqlite", rows: rows, perTransaction: perTransaction)
                })
            try await measureConcurrentKits(
                options: options, figures: &figures, kits: kits, single: single, store: store, url: url, caPEM: caPEM)
        }
        stores.append(figures)
    }

    progress("link-up")
    let linkUpState = options.directory + "/server-linkup"
    try FileManager.default.createDirectory(atPath: linkUpState, withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: serverState + "/keys", toPath: linkUpState + "/keys")
    let linkUp = try await measureLinkUp(
        options: options, configuration: ServerConfiguration(port: 0, stateDirectory: linkUpState, storage: .sqlite))

    // PostgreSQL: a throwaway cluster (KitTestSupport's), one fresh database for the server and
    // one for the baseline.
    if PostgresCluster.isInstalled {
        progress("starting PostgreSQL")
        let endpoint = try await PostgresCluster.shared.start()
        notes.append(
            "PostgreSQL is the throwaway test cluster (fsync=off, synchronous_commit=off) for both drain and raw "
                + "baseline; the server's pool has its default 10 connections")
        var figures = StoreFigures(store: "postgresql")
        var configuration = ServerConfiguration(port: 0, stateDirectory: serverState, storage: .postgresql)
        configuration.postgres = .init(
            host: endpoint.host, port: endpoint.port, username: endpoint.username,
            database: try await PostgresCluster.shared.createDatabase(prefix: "replay"), tls: .disable)
        let rawDatabase = try await PostgresCluster.shared.createDatabase(prefix: "raw")
        let rawConfiguration = PostgresClient.Configuration(
            host: endpoint.host, port: endpoint.port, username: endpoint.username, password: nil,
            database: rawDatabase, tls: .disable)
        do {
            try await withServer(configuration) { _, store, url, caPEM in
                try await measureDrain(
                    options: options, figures: &figures, store: store, url: url, caPEM: caPEM,
                    rawInsert: { rows, perTransaction in
                        try await RawInsert.postgres(
                            configuration: rawConfiguration, rows: rows, perTransaction: perTransaction,
                            logger: Bench.logger)
                    })
                try await measureConcurrentKits(
                    options: options, figures: &figures, kits: kits, single: single, store: store, url: url,
                    caPEM: caPEM)
            }
            await PostgresCluster.shared.stop()
        } catch {
            await PostgresCluster.shared.stop()
            throw error
        }
        stores.append(figures)
    } else {
        notes.append("PostgreSQL skipped: \(PostgresCluster.missingMessage)")
    }

    printTables(options: options, stores: stores, linkUp: linkUp, notes: notes)
} catch {
    FileHandle.standardError.write(Data("replay-bench: \(error)\n".utf8))
    exit(1)
}
