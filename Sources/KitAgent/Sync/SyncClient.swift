import AsyncHTTPClient
import Foundation
import KitCore
import Logging
import NIOCore
import NIOHTTP1

/// Replays the outbox to the sync server in seq order and in batches, records every answer, and
/// refreshes the checked-out cases (ARCHITECTURE.md, "Data flow" steps 5–8).
///
/// - applied / duplicate → acknowledged; conflict / rejected → parked (visible in
///   `kit-agent queue`), never blocking the rest;
/// - refused → stop and retry later from the seq the server expects;
/// - a server that expects a seq below what it already acknowledged (restored from a backup) gets
///   the retained envelopes again.
public actor SyncClient {
    private let runtime: KitRuntime
    private let connection: ServerConnection
    private let logger: Logger
    private let batchSize: Int
    private let timeout: TimeAmount
    private let devices: @Sendable () async -> [DeviceHealthSummary]

    /// - Parameter devices: the kit's device health for the report each sync carries to the fleet
    ///   view (``DeviceHealthMonitor/latest``); cheap, it is asked once per request.
    public init(
        runtime: KitRuntime, connection: ServerConnection? = nil, logger: Logger, batchSize: Int = 100,
        timeout: Double = 30, devices: @escaping @Sendable () async -> [DeviceHealthSummary] = { [] }
    ) {
        self.devices = devices
        self.runtime = runtime
        self.connection = connection ?? ServerConnection(keys: runtime.keys)
        self.logger = logger
        self.batchSize = batchSize
        self.timeout = .milliseconds(Int64(timeout * 1000))
    }

    /// One full pass: deliver everything, then check out cases. Throws when the server cannot be
    /// reached or answers garbage; what was answered before that is recorded.
    @discardableResult
    public func syncNow() async throws(SyncError) -> SyncSummary {
        guard let outbox = runtime.outbox else { throw .notEnrolled(runtime.outboxProblem ?? "no server data key") }
        let credentials: KitCredentials
        do {
            guard let loaded = try KitCredentials.load(from: runtime.keys) else {
                throw SyncError.notEnrolled("this kit has no API token: run kit-agent enroll")
            }
            credentials = loaded
        } catch let error as SyncError {
            throw error
        } catch {
            throw .notEnrolled("\(error)")
        }
        var summary = SyncSummary()
        var from: UInt64 = 1
        var rounds = 0
        while rounds < 10_000 {
            rounds += 1
            let batch: [(seq: UInt64, bytes: [UInt8])]
            do { batch = try outbox.undelivered(from: from, limit: batchSize) } catch { throw .outbox(error) }
            guard !batch.isEmpty else { break }
            let seqs = batch.map(\.seq)
            do { try outbox.markSent(seqs) } catch { throw .outbox(error) }
            // No connection at all: the batch stays "pending" (it never left the kit).
            let reply = try await send(
                batch: batch.map(\.bytes), credentials: credentials, outbox: outbox,
                undelivered: { try? outbox.markPending(seqs) })
            try record(reply, outbox: outbox, into: &summary)
            if reply.results.contains(where: { $0.outcome == .refused }) {
                let highWater: UInt64
                do { highWater = try outbox.acknowledgedHighWater() } catch { throw .outbox(error) }
                if reply.expectedSeq <= highWater {
                    // The server lost acknowledged transactions (restored from backup): re-send them.
                    summary.resentAfterServerLoss += try await resend(
                        from: reply.expectedSeq, to: highWater, credentials: credentials, outbox: outbox)
                    from = 1
                    continue
                }
                let reason = reply.results.first { $0.outcome == .refused }?.reason ?? "refused"
                throw .refused(seq: reply.results.first { $0.outcome == .refused }?.seq ?? 0, reason: reason)
            }
            from = (batch.last?.seq ?? from) + 1
        }
        if summary.acknowledged + summary.parked > 0 {
            // Report the queue as it is after the answers, so the fleet view does not show the
            // depth from before the last batch.
            _ = try await send(batch: [], credentials: credentials, outbox: outbox)
        }
        summary.casesRefreshed = await checkout(credentials: credentials, into: &summary)
        return summary
    }

    private func record(_ reply: IngestReply, outbox: Outbox, into summary: inout SyncSummary) throws(SyncError) {
        var answers: [Outbox.Answer] = []
        for result in reply.results where result.outcome != .refused {
            let effective = result.outcome == .duplicate ? (result.originalOutcome ?? .applied) : result.outcome
            switch effective {
            case .applied, .duplicate:
                answers.append(.init(seq: result.seq, answer: result.outcome.rawValue, state: .acknowledged))
            case .conflict, .rejected:
                let reason = [result.conflict?.rawValue, result.reason].compactMap { $0 }.joined(separator: ": ")
                answers.append(
                    .init(seq: result.seq, answer: effective.rawValue, state: .parked, parkReason: reason))
            case .refused:
                break
            }
        }
        // One commit for the whole reply: the answers are durable together before the next batch.
        let unknown: [UInt64]
        do { unknown = try outbox.record(answers) } catch { throw .outbox(error) }
        for seq in unknown {
            // The server answered for a seq this kit does not have: ignore, it cannot be ours.
            logger.warning("server answered for an unknown seq", metadata: ["seq": "\(seq)"])
        }
        let unknownSet = Set(unknown)
        for answer in answers where !unknownSet.contains(answer.seq) {
            if answer.state == .acknowledged {
                summary.acknowledged += 1
                if answer.answer == IngestOutcome.duplicate.rawValue { summary.duplicates += 1 }
            } else {
                summary.parked += 1
            }
        }
    }

    private func resend(from start: UInt64, to end: UInt64, credentials: KitCredentials, outbox: Outbox)
        async throws(SyncError) -> Int
    {
        var next = start
        var count = 0
        while next <= end {
            let batch: [(seq: UInt64, bytes: [UInt8])]
            do { batch = try outbox.envelopes(from: next, limit: batchSize).filter { $0.seq <= end } } catch {
                throw .outbox(error)
            }
            guard let first = batch.first, first.seq == next else {
                throw .serverLostData(fromSeq: next)
            }
            let reply = try await send(batch: batch.map(\.bytes), credentials: credentials, outbox: outbox)
            guard !reply.results.contains(where: { $0.outcome == .refused }) else {
                throw .refused(seq: next, reason: reply.results.first { $0.outcome == .refused }?.reason ?? "refused")
            }
            count += batch.count
            next = (batch.last?.seq ?? end) + 1
        }
        return count
    }

    private func send(
        batch: [[UInt8]], credentials: KitCredentials, outbox: Outbox, undelivered: () -> Void = {}
    ) async throws(SyncError) -> IngestReply {
        let stats = try? outbox.stats()
        let report = KitReport(
            agentVersion: KitVersion.release, queueDepth: stats?.queueDepth ?? 0,
            oldestWaitingAt: stats?.oldestUnacknowledgedAt,
            lastSeq: stats?.lastSeq ?? 0, devices: await devices())
        let body: Data
        do {
            body = try WireCoding.encoder().encode(
                IngestBatch(kitId: credentials.kitId, envelopes: batch.map { Data($0) }, report: report))
        } catch {
            throw .garbage("cannot encode batch: \(error)")
        }
        let data = try await request(
            .POST, credentials: credentials, path: "/v1/ingest", body: body, undelivered: undelivered)
        do {
            return try WireCoding.decoder().decode(IngestReply.self, from: data)
        } catch {
            throw .garbage("ingest answer is not an ingest reply")
        }
    }

    private func checkout(credentials: KitCredentials, into summary: inout SyncSummary) async -> Int {
        var cursor: String?
        var stored = 0
        repeat {
            let path = "/v1/kits/\(credentials.kitId)/cases" + (cursor.map { "?cursor=\($0)" } ?? "")
            guard let data = try? await request(.GET, credentials: credentials, path: path, body: nil),
                let page = try? WireCoding.decoder().decode(CheckoutPage.self, from: data)
            else {
                summary.notes.append("cases not refreshed: the server's checkout answer could not be read")
                return stored
            }
            for snapshot in page.cases {
                do {
                    try await runtime.cases.store(snapshot)
                    stored += 1
                } catch {
                    if case .locked = error {
                        summary.notes.append("cases not refreshed: the kit is locked")
                        return stored
                    }
                    summary.notes.append("case \(snapshot.caseId) not stored: \(error)")
                }
            }
            summary.resolutions = page.resolutions.count
            cursor = page.nextCursor
        } while cursor != nil
        return stored
    }

    /// `undelivered` runs when the request certainly never reached the server (no connection).
    private func request(
        _ method: HTTPMethod, credentials: KitCredentials, path: String, body: Data?, undelivered: () -> Void = {}
    ) async throws(SyncError) -> Data {
        let url = KitServerRequest.url(credentials, path: path)
        let client: HTTPClient
        do { client = try await connection.client(for: url) } catch { throw .notEnrolled(error.description) }
        let request = KitServerRequest.make(method, url: url, credentials: credentials, json: body)
        let response: HTTPClientResponse
        let buffer: ByteBuffer
        do {
            response = try await client.execute(request, timeout: timeout)
            buffer = try await response.body.collect(upTo: 64 << 20)
        } catch {
            let problem = LinkProblem(error)
            if problem.nothingWasSent { undelivered() }
            throw .unreachable(problem.description)
        }
        guard response.status == .ok else {
            if response.status == .unauthorized || response.status == .forbidden {
                // The server's sentence says why (e.g. a certificate replaced by a renewal).
                let message = ServerMessage.extract(String(decoding: buffer.readableBytesView, as: UTF8.self))
                throw .notEnrolled(
                    "the server refused this kit (HTTP \(response.status.code)) \(message): enroll it again")
            }
            throw .garbage("HTTP \(response.status.code) for \(path)")
        }
        return Data(buffer.readableBytesView)
    }
}

/// What one sync achieved.
public struct SyncSummary: Codable, Sendable, Equatable {
    public var acknowledged = 0
    /// Of the acknowledged, those the server already had: their earlier answer was lost on the way.
    public var duplicates = 0
    public var parked = 0
    public var resentAfterServerLoss = 0
    public var casesRefreshed = 0
    public var resolutions = 0
    public var notes: [String] = []

    public init() {}
}

/// Why a sync stopped.
public enum SyncError: Error, Equatable, CustomStringConvertible {
    /// The kit has no server data key or API token yet.
    case notEnrolled(String)
    /// The server cannot be reached (the link monitor's words).
    case unreachable(String)
    /// The server refused an envelope (gap, chain, signature): retried later.
    case refused(seq: UInt64, reason: String)
    /// The server answered something that is not the sync API.
    case garbage(String)
    /// The server lost transactions the kit no longer keeps (past the retention window).
    case serverLostData(fromSeq: UInt64)
    /// The outbox failed.
    case outbox(OutboxError)

    public var description: String {
        switch self {
        case .notEnrolled(let reason): return "kit not enrolled: \(reason)"
        case .unreachable(let reason): return "sync server unreachable: \(reason)"
        case .refused(let seq, let reason): return "the server refused transaction \(seq): \(reason)"
        case .garbage(let reason): return "the sync server answered unexpectedly: \(reason)"
        case .serverLostData(let seq):
            return
                "the server lost transactions from seq \(seq) on and the kit no longer keeps them: call IT (server restore)"
        case .outbox(let error): return error.description
        }
    }
}
