import AsyncHTTPClient
import Crypto
import Foundation
import KitCore
import Logging
import NIOCore
import NIOHTTP1

/// Replays the outbox to the sync server in seq order and in batches, records every answer, and
/// refreshes the checked-out cases (ARCHITECTURE.md, "Data flow" steps 5–8).
///
/// - batches are filled by bytes up to the request size the server announces (`/v1/version`,
///   `limits`), never only by count; a transaction too large for one request never leaves the
///   kit (``SyncError/tooLarge(seq:bytes:limit:)``, a jam the kit reports);
/// - every envelope is checked against its stored hash before it leaves; a damaged one goes as a
///   signed tombstone (``Outbox/nextBatch(from:requestBytes:maxCount:)``);
/// - a request refused as too large is split to the server's current limit, never re-sent
///   unchanged;
/// - applied / duplicate → acknowledged; conflict / rejected → parked (visible in
///   `kit-agent queue`), never blocking the rest;
/// - refused → stop and retry later from the seq the server expects;
/// - a server that expects a seq below what it already acknowledged (restored from a backup) gets
///   the retained envelopes again.
///
/// Requests have no fixed total timeout: a large batch over a thin link may take minutes. A
/// request that stops moving bytes (nothing written for ``stallTimeout`` while sending, nothing
/// read for it while waiting for the answer) is cut off.
public actor SyncClient {
    private let runtime: KitRuntime
    private let connection: ServerConnection
    private let logger: Logger
    private let batchSize: Int
    private let deadline: TimeAmount
    private let devices: @Sendable () async -> [DeviceHealthSummary]
    private let serverAnswered: @Sendable () async -> Date?
    /// Requests on the way, to cut them when the agent stops (``stop()``).
    private var inFlight: [UInt64: @Sendable () -> Void] = [:]
    private var nextRequest: UInt64 = 0
    private var stopping = false

    /// The agent stops (SIGTERM): requests on the way are cut at once and no new one starts, so
    /// the stop does not wait for a server that does not answer (a black-holed link). What was
    /// sent stays queued and goes again after the restart; the server's duplicate check keeps it once.
    public func stop() {
        stopping = true
        for cut in inFlight.values { cut() }
        inFlight.removeAll()
    }

    /// How long a request may go without moving a byte before it is cut off.
    public static let stallTimeout: TimeAmount = .seconds(60)
    /// The same for the kit's own watchdog.
    static let stallAllowance: Duration = .seconds(60)

    /// - Parameters:
    ///   - batchSize: most envelopes per request (bytes decide first).
    ///   - timeout: the longest a whole request may take, a last resort against a server that
    ///     trickles (stalls are caught by ``stallTimeout`` much earlier); default one hour.
    ///   - devices: the kit's device health for the report each sync carries to the fleet view
    ///     (``DeviceHealthMonitor/latest``); cheap, it is asked once per request.
    ///   - serverAnswered: when the link monitor last heard the server answer a probe
    ///     (``ServerLinkStatus/lastReachableAt``): while it keeps answering, an upload whose bytes
    ///     wait in the kernel's send buffer is not taken for stalled.
    public init(
        runtime: KitRuntime, connection: ServerConnection? = nil, logger: Logger, batchSize: Int = 500,
        timeout: Double = 3600, devices: @escaping @Sendable () async -> [DeviceHealthSummary] = { [] },
        serverAnswered: @escaping @Sendable () async -> Date? = { nil }
    ) {
        self.devices = devices
        self.serverAnswered = serverAnswered
        self.runtime = runtime
        self.connection = connection ?? ServerConnection(keys: runtime.keys)
        self.logger = logger
        self.batchSize = min(max(batchSize, 1), IngestBatch.maximumEnvelopes)
        self.deadline = .milliseconds(Int64(timeout * 1000))
    }

    /// One full pass: deliver everything, then check out cases. Throws when the server cannot be
    /// reached or answers garbage; what was answered before that is recorded.
    @discardableResult
    public func syncNow() async throws(SyncError) -> SyncSummary {
        if let marker = KitWipe.marker(runtime.keys) {
            if !marker.reported { try await reportWipe(marker) }
            throw .wiped
        }
        guard let outbox = runtime.outbox else { throw .notEnrolled(runtime.outboxProblem ?? "no server data key") }
        let credentials = try loadCredentials()
        var summary = SyncSummary()
        var limits = await refreshLimits(credentials: credentials, outbox: outbox)
        var budget = limits.maxRequestBytes
        var from: UInt64 = 1
        var rounds = 0
        while rounds < 10_000 {
            rounds += 1
            let batch: [Outbox.Outgoing]
            do { batch = try outbox.nextBatch(from: from, requestBytes: budget, maxCount: batchSize) } catch {
                throw .outbox(error)
            }
            guard let first = batch.first else { break }
            for tombstone in batch where tombstone.isTombstone {
                logger.warning(
                    "a queued transaction was found damaged on the kit and goes to the server as a tombstone",
                    metadata: ["seq": "\(tombstone.seq)"])
                summary.tombstones += 1
            }
            if batch.count == 1, first.bytes.count > limits.maxEnvelopeBytes {
                // It cannot travel even alone: sending it would only fill the link with a refusal.
                throw .tooLarge(seq: first.seq, bytes: first.bytes.count, limit: limits.maxEnvelopeBytes)
            }
            let seqs = batch.map(\.seq)
            do { try outbox.markSent(seqs) } catch { throw .outbox(error) }
            let reply: IngestReply
            do throws(SyncError) {
                // No connection at all: the batch stays "pending" (it never left the kit).
                reply = try await send(
                    batch: batch.map(\.bytes), credentials: credentials, outbox: outbox,
                    undelivered: { try? outbox.markPending(seqs, reachedServer: false) })
            } catch .requestRefused(_, 413, let reason) {
                try? outbox.markPending(seqs, reachedServer: true)
                let requestBytes = batch.reduce(IngestLimits.requestOverhead) {
                    $0 + IngestLimits.encodedSize(ofEnvelope: $1.bytes.count)
                }
                logger.warning(
                    "the sync server refused a batch as too large",
                    metadata: ["seq": "\(first.seq)", "envelopes": "\(batch.count)", "bytes": "\(requestBytes)"])
                guard batch.count > 1 else {
                    throw .tooLarge(seq: first.seq, bytes: first.bytes.count, limit: limits.maxEnvelopeBytes)
                }
                // The server's limit changed since it was read: read it again and split.
                limits = await refreshLimits(credentials: credentials, outbox: outbox)
                budget = min(limits.maxRequestBytes, requestBytes / 2)
                summary.notes.append("a batch was split: the server refused it as too large (\(reason))")
                continue
            }
            try record(reply, outbox: outbox, into: &summary)
            if reply.results.contains(where: { $0.outcome == .refused }) {
                let highWater: UInt64
                do { highWater = try outbox.acknowledgedHighWater() } catch { throw .outbox(error) }
                if reply.expectedSeq <= highWater {
                    // The server lost acknowledged transactions (restored from backup): re-send them.
                    summary.resentAfterServerLoss += try await resend(
                        from: reply.expectedSeq, to: highWater, credentials: credentials, outbox: outbox,
                        requestBytes: budget)
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
            await report()
        }
        var wipeOrder: WipeOrder?
        summary.casesRefreshed = await checkout(credentials: credentials, into: &summary, wipeOrder: &wipeOrder)
        // The server answered: the offline limit starts again.
        await runtime.lock.recordServerContact()
        if let wipeOrder {
            try await obey(wipeOrder)
            summary.wiped = true
        }
        return summary
    }

    /// A verified wipe order: everything was sent above, now the kit destroys its keys and case
    /// data, reports the wipe and then drops its TLS identity (``KitWipe``).
    private func obey(_ order: WipeOrder) async throws(SyncError) {
        logger.critical(
            "this kit was reported lost: wiping keys and case data", metadata: ["order": "\(order.orderId)"])
        do { try await KitWipe.wipeData(runtime: runtime, orderId: order.orderId) } catch {
            throw .outbox(.storage(StorageError.failed(operation: "wipe", reason: error.description)))
        }
        guard let marker = KitWipe.marker(runtime.keys) else { return }
        try await reportWipe(marker)
    }

    /// Tells the server the kit is wiped, then removes the TLS identity and token.
    private func reportWipe(_ marker: KitWipe.Marker) async throws(SyncError) {
        let credentials = try loadCredentials()
        let report = WipeReport(orderId: marker.orderId, lastSeq: marker.lastSeq, wipedAt: marker.wipedAt)
        let body: Data
        do { body = try WireCoding.encoder().encode(report) } catch { throw .garbage("cannot encode wipe report") }
        _ = try await request(.POST, credentials: credentials, path: "/v1/kits/\(credentials.kitId)/wiped", body: body)
        do { try KitWipe.finish(keys: runtime.keys) } catch {
            throw .outbox(.storage(StorageError.failed(operation: "wipe", reason: error.description)))
        }
        logger.notice("wipe reported to the sync server", metadata: ["lastSeq": "\(marker.lastSeq)"])
    }

    /// Looks a walk-in citizen up in the server's register (issue #20): the record, or nil when the
    /// register does not know the citizen.
    public func lookUpCitizen(_ lookup: RegisterLookupRequest) async throws(SyncError) -> RegisterRecord? {
        let credentials = try loadCredentials()
        let body: Data
        do { body = try WireCoding.encoder().encode(lookup) } catch { throw .garbage("cannot encode register lookup") }
        let data = try await request(.POST, credentials: credentials, path: "/v1/register/lookup", body: body)
        do {
            return try WireCoding.decoder().decode(RegisterLookupAnswer.self, from: data).record
        } catch {
            throw .garbage("the register lookup answer cannot be read")
        }
    }

    /// Pins the server's order key the first time a checkout names one; nil if none is pinned.
    private func pinnedOrderKey(offered pem: String?) -> P256.Signing.PublicKey? {
        if let raw = try? SecretFile.read(runtime.keys.serverOrderKeyPath),
            let key = try? P256.Signing.PublicKey(pemRepresentation: String(decoding: raw, as: UTF8.self))
        {
            return key
        }
        guard let pem, let key = try? P256.Signing.PublicKey(pemRepresentation: pem) else { return nil }
        try? SecretFile.write(Array(key.pemRepresentation.utf8), to: runtime.keys.serverOrderKeyPath)
        return key
    }

    private func loadCredentials() throws(SyncError) -> KitCredentials {
        do {
            guard let loaded = try KitCredentials.load(from: runtime.keys) else {
                throw SyncError.notEnrolled("this kit has no API token: run kit-agent enroll")
            }
            return loaded
        } catch let error as SyncError {
            throw error
        } catch {
            throw .notEnrolled("\(error)")
        }
    }

    /// Reads the server's limits from `/v1/version` and remembers them (recording checks them
    /// offline); keeps the remembered ones when the server does not announce any.
    private func refreshLimits(credentials: KitCredentials, outbox: Outbox) async -> IngestLimits {
        if let data = try? await request(.GET, credentials: credentials, path: "/v1/version", body: nil),
            let version = try? WireCoding.decoder().decode(ServerVersionInfo.self, from: data),
            let limits = version.limits
        {
            if limits != outbox.serverLimits() {
                try? outbox.storeServerLimits(limits)
                logger.info("sync server limits", metadata: ["maxRequestBytes": "\(limits.maxRequestBytes)"])
            }
            return limits
        }
        return outbox.serverLimits()
    }

    /// Sends the kit's report (queue, devices, sync problem) on its own small request, so the
    /// fleet view learns of a jam even when every ingest request fails. Best effort.
    public func report() async {
        guard let outbox = runtime.outbox, let credentials = try? loadCredentials() else { return }
        let report = await currentReport(outbox: outbox)
        guard let body = try? WireCoding.encoder().encode(report) else { return }
        do {
            _ = try await request(
                .POST, credentials: credentials, path: "/v1/kits/\(credentials.kitId)/report", body: body)
        } catch {
            logger.debug("kit report not delivered", metadata: ["reason": "\(error)"])
        }
    }

    private func currentReport(outbox: Outbox) async -> KitReport {
        let stats = try? outbox.stats()
        return KitReport(
            agentVersion: KitVersion.release, queueDepth: stats?.queueDepth ?? 0,
            oldestWaitingAt: stats?.oldestUnacknowledgedAt,
            lastSeq: stats?.lastSeq ?? 0, devices: await devices(),
            // The alarm the sync service keeps in the outbox's database (nil while syncs work).
            syncProblem: (try? outbox.syncProblem()) ?? nil)
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

    private func resend(
        from start: UInt64, to end: UInt64, credentials: KitCredentials, outbox: Outbox, requestBytes: Int
    ) async throws(SyncError) -> Int {
        var next = start
        var count = 0
        while next <= end {
            let rows: [(seq: UInt64, bytes: [UInt8])]
            do { rows = try outbox.envelopes(from: next, limit: batchSize).filter { $0.seq <= end } } catch {
                throw .outbox(error)
            }
            guard let first = rows.first, first.seq == next else {
                throw .serverLostData(fromSeq: next)
            }
            var batch: [[UInt8]] = []
            var used = IngestLimits.requestOverhead
            for row in rows {
                let size = IngestLimits.encodedSize(ofEnvelope: row.bytes.count)
                if !batch.isEmpty && used + size > requestBytes { break }
                batch.append(row.bytes)
                used += size
            }
            let reply = try await send(batch: batch, credentials: credentials, outbox: outbox)
            guard !reply.results.contains(where: { $0.outcome == .refused }) else {
                throw .refused(seq: next, reason: reply.results.first { $0.outcome == .refused }?.reason ?? "refused")
            }
            count += batch.count
            next = first.seq + UInt64(batch.count)
        }
        return count
    }

    private func send(
        batch: [[UInt8]], credentials: KitCredentials, outbox: Outbox, undelivered: () -> Void = {}
    ) async throws(SyncError) -> IngestReply {
        let report = await currentReport(outbox: outbox)
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

    private func checkout(
        credentials: KitCredentials, into summary: inout SyncSummary, wipeOrder: inout WipeOrder?
    ) async -> Int {
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
            let orderKey = pinnedOrderKey(offered: page.orderKey)
            if let order = page.wipeOrder {
                guard let orderKey, order.isValid(for: credentials.kitId, key: orderKey) else {
                    // A forged or foreign order is not obeyed; IT sees it in the log.
                    logger.error("a wipe order with an invalid signature was ignored")
                    summary.notes.append("wipe order ignored: its signature is not the server's")
                    return stored
                }
                wipeOrder = order
                return stored
            }
            if let catalogue = page.serviceCatalogue, cursor == nil {
                // The city's services for walk-in cases (issue #20); only a newer one replaces ours.
                do { try ServiceCatalogueStore(database: runtime.database).keep(catalogue) } catch {
                    summary.notes.append("service catalogue not stored: \(error)")
                }
            }
            if let roster = page.clerks, cursor == nil {
                // The server's clerk list: revoked clerks lose their key slot now.
                do {
                    let removed = try await runtime.applyClerkRoster(roster)
                    if !removed.isEmpty {
                        logger.notice("key slots of revoked clerks removed", metadata: ["count": "\(removed.count)"])
                        summary.clerksRemoved += removed.count
                    }
                } catch {
                    summary.notes.append("clerk list not applied: \(error)")
                }
            }
            for snapshot in page.cases {
                do {
                    // The sync runs unattended: refreshing cases is not the clerk's activity.
                    try await runtime.cases.store(snapshot, activity: false)
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
        guard !stopping else {
            throw .unreachable("the agent is stopping; nothing more is sent before the restart")
        }
        let url = KitServerRequest.url(credentials, path: path)
        let client: HTTPClient
        do { client = try await connection.client(for: url) } catch { throw .notEnrolled(error.description) }
        let progress = UploadProgress(expectedBytes: body?.count ?? 0)
        let request = KitServerRequest.make(method, url: url, credentials: credentials, json: body, progress: progress)
        let response: HTTPClientResponse
        let buffer: ByteBuffer
        let deadline = self.deadline
        let exchange = Task { () throws -> (HTTPClientResponse, ByteBuffer) in
            let response = try await client.execute(request, timeout: deadline)
            return (response, try await response.body.collect(upTo: 64 << 20))
        }
        nextRequest += 1
        let requestNumber = nextRequest
        inFlight[requestNumber] = { exchange.cancel() }
        defer { inFlight[requestNumber] = nil }
        // The watchdog: a request is cut off when it stops moving, never for being long.
        let serverAnswered = self.serverAnswered
        let logger = self.logger
        let watchdog = Task {
            var lastLook = ContinuousClock.now
            var lastAnswer = await serverAnswered()
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(1))
                let now = ContinuousClock.now
                let late = now - lastLook - .seconds(1)
                lastLook = now
                if late > .seconds(5) {
                    progress.excuse(late)
                    logger.warning(
                        """
                        the agent did not run during an upload (blocked threads or a suspended laptop); \
                        the stall watchdog does not count that time
                        """, metadata: ["for": "\(late)"])
                }
                let answer = await serverAnswered()
                if let answer, answer != lastAnswer { progress.noteServerAnswered(at: now) }
                lastAnswer = answer
                if progress.hasStalled(stall: Self.stallAllowance) {
                    exchange.cancel()
                    return
                }
            }
        }
        do {
            // The exchange is a task of its own (the watchdog cancels it): a stopping agent (SIGTERM,
            // the service group cancelling the sync) must cut it too, not wait for the stall allowance.
            (response, buffer) = try await withTaskCancellationHandler {
                try await exchange.value
            } onCancel: {
                exchange.cancel()
            }
            watchdog.cancel()
        } catch {
            watchdog.cancel()
            if Task.isCancelled || stopping {
                throw .unreachable(
                    "the request to the sync server was cut because the agent is stopping; it is sent again after "
                        + "the restart")
            }
            if exchange.isCancelled {
                logger.notice("request cut by the stall watchdog", metadata: progress.describe())
                throw .unreachable(
                    "the request to the sync server stopped moving for \(Self.stallAllowance): the link is too weak "
                        + "or broken; it is tried again")
            }
            let problem = LinkProblem(error)
            if problem.nothingWasSent {
                undelivered()
            } else if body != nil {
                var metadata = progress.describe()
                metadata["reason"] = "\(problem)"
                logger.notice("request with a body failed on the way", metadata: metadata)
            }
            throw .unreachable(problem.description)
        }
        guard (200..<300).contains(response.status.code) else {
            if response.status == .unauthorized || response.status == .forbidden {
                // The server's sentence says why (e.g. a certificate replaced by a renewal).
                let message = ServerMessage.extract(String(decoding: buffer.readableBytesView, as: UTF8.self))
                throw .notEnrolled(
                    "the server refused this kit (HTTP \(response.status.code)) \(message): enroll it again")
            }
            let message = ServerMessage.extract(String(decoding: buffer.readableBytesView, as: UTF8.self))
            if response.status == .tooManyRequests || response.status == .serviceUnavailable {
                // Saturated or its store failing: it names when to come back (issue #18).
                throw .serverBusy(
                    status: Int(response.status.code),
                    retryAfter: RetryAfter.parse(response.headers.first(name: "Retry-After"), now: Date()),
                    reason: message)
            }
            if (400..<500).contains(response.status.code) {
                throw .requestRefused(path: path, status: Int(response.status.code), reason: message)
            }
            throw .garbage("HTTP \(response.status.code) for \(path) \(message)")
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
    /// Envelopes found damaged on the kit and sent as tombstones (`transaction.lost`).
    public var tombstones = 0
    public var casesRefreshed = 0
    /// The server's wipe order was obeyed (the kit was reported lost).
    public var wiped = false
    /// Key slots removed because the server lists their clerk as revoked.
    public var clerksRemoved = 0
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
    /// A transaction is larger than the server accepts in one request: it never leaves the kit
    /// until the server's `ingest.maxRequestBytes` is raised.
    case tooLarge(seq: UInt64, bytes: Int, limit: Int)
    /// The server refused a request (HTTP 4xx other than authentication) with its reason.
    case requestRefused(path: String, status: Int, reason: String)
    /// The kit wiped itself after a loss report: it syncs no more.
    case wiped
    /// The server is saturated or cannot store right now (HTTP 429, 503): nothing of the request
    /// was applied; the kit comes back after `retryAfter` (the server's `Retry-After`, nil when it
    /// named none or nothing readable: then the kit's own backoff).
    case serverBusy(status: Int, retryAfter: Duration?, reason: String)

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
        case .tooLarge(let seq, let bytes, let limit):
            return
                "transaction \(seq) has \(bytes) bytes, more than the sync server accepts (\(limit)): "
                + "raise ingest.maxRequestBytes on the server; the queue waits behind it"
        case .requestRefused(let path, let status, let reason):
            return "the sync server refused the request (HTTP \(status) for \(path)) \(reason)"
        case .wiped: return KitWipe.wipedSentence
        case .serverBusy(let status, let retryAfter, let reason):
            let wait =
                retryAfter.map { "comes back after \($0.components.seconds) s as the server asks" }
                ?? "tries again with its own backoff (no readable Retry-After)"
            return "the sync server is busy (HTTP \(status)) \(reason): the kit \(wait)"
        }
    }

    /// The problem this failure is for the kit's alarm, or nil when it is only a missing link (the
    /// ordinary offline case) or the kit is not enrolled yet (doctor says so on its own).
    public func problem(since: Date, attempts: Int) -> SyncProblem? {
        let kind: SyncProblem.Kind
        var seq: UInt64?
        switch self {
        case .notEnrolled, .unreachable, .wiped: return nil
        case .tooLarge(let tooLargeSeq, _, _):
            kind = .tooLarge
            seq = tooLargeSeq
        case .requestRefused(_, let status, _): kind = status == 413 ? .tooLarge : .requestRefused
        case .refused(let refusedSeq, _):
            kind = .envelopeRefused
            seq = refusedSeq
        case .garbage: kind = .badAnswer
        case .serverBusy: kind = .serverBusy
        case .serverLostData(let lostSeq):
            kind = .envelopeRefused
            seq = lostSeq
        case .outbox(let error):
            switch error {
            case .entryMismatch(let damagedSeq):
                kind = .damagedEntry
                seq = damagedSeq
            default: kind = .storage
            }
        }
        return SyncProblem(kind: kind, seq: seq, reason: description, since: since, attempts: attempts)
    }
}
