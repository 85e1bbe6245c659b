import Foundation
import KitCore
import Logging
import ServiceLifecycle

/// Runs the sync client in the background: right away when the link comes up, after every new
/// local write is not needed — transient failures are retried with exponential backoff and full
/// jitter, capped at 60 s, until the queue is empty.
actor SyncService: Service {
    private let client: SyncClient
    private let link: LinkMonitor
    private let logger: Logger
    private let idleInterval: Duration
    private(set) var lastSummary: SyncSummary?
    private(set) var lastError: String?
    /// The current jam, if syncs keep failing although the server answers.
    private(set) var problem: SyncProblem?
    /// Called whenever ``problem`` changes (the event stream's status).
    private let onProblemChange: @Sendable (SyncProblem?) async -> Void
    /// Where the problem is kept for `doctor` and across restarts.
    private let outbox: Outbox?
    private var wake: AsyncStream<Void>.Continuation?

    private let renewal: CertificateRenewal?

    /// - Parameter renewal: renews the kit's client certificate after a successful sync when it is
    ///   due, and after any sync attempt while an interrupted renewal waits (its old certificate
    ///   may already be refused); nil: never.
    init(
        client: SyncClient, link: LinkMonitor, logger: Logger, idleInterval: Duration = .seconds(30),
        renewal: CertificateRenewal? = nil, outbox: Outbox? = nil,
        onProblemChange: @escaping @Sendable (SyncProblem?) async -> Void = { _ in }
    ) {
        self.outbox = outbox
        self.onProblemChange = onProblemChange
        self.problem = try? outbox?.syncProblem()
        self.client = client
        self.link = link
        self.logger = logger
        self.idleInterval = idleInterval
        self.renewal = renewal
    }

    private var lastRenewalAttempt: ContinuousClock.Instant?
    /// Least time between two automatic renewal attempts (a refused renewal, or a server issuing
    /// certificates shorter than the renewal window, must not cost a certificate per sync); an
    /// interrupted renewal is retried after every sync attempt.
    static let renewalAttemptInterval: Duration = .seconds(3600)

    /// The certificate renewal step after a sync attempt; never throws, logs what happened.
    func renewCertificateIfDue(afterSuccessfulSync succeeded: Bool) async {
        guard let renewal, succeeded || renewal.hasPendingRenewal else { return }
        let now = ContinuousClock.now
        if !renewal.hasPendingRenewal, let last = lastRenewalAttempt, now - last < Self.renewalAttemptInterval {
            return
        }
        do {
            let outcome = try await renewal.renewIfDue()
            if case .renewed = outcome {
                lastRenewalAttempt = now
                lastError = nil
            }
        } catch {
            lastRenewalAttempt = now
            logger.warning("kit certificate not renewed", metadata: ["reason": "\(error)"])
        }
    }

    /// Asks for a sync as soon as possible (link came up, clerk pressed "sync").
    func trigger() {
        wake?.yield()
    }

    func run() async throws {
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        wake = continuation
        await link.onReachable { [weak self] in await self?.trigger() }
        await cancelWhenGracefulShutdown {
            var failures = 0
            var notBefore: ContinuousClock.Instant?
            var iterator = stream.makeAsyncIterator()
            while !Task.isCancelled {
                let delay: Duration
                do {
                    let summary = try await self.client.syncNow()
                    await self.finished(summary: summary, error: nil)
                    await self.noteProblem(nil)
                    await self.renewCertificateIfDue(afterSuccessfulSync: true)
                    failures = 0
                    delay = self.idleInterval
                } catch {
                    await self.finished(summary: nil, error: String(describing: error))
                    if let error = error as? SyncError { await self.noteFailure(error) }
                    await self.renewCertificateIfDue(afterSuccessfulSync: false)
                    failures += 1
                    if case .serverBusy(_, let retryAfter?, _) = error as? SyncError {
                        // The server named when to come back: not sooner, not even when the link
                        // monitor or the clerk asks (a fleet reconnecting at once must not hammer it).
                        delay = Self.busyDelay(retryAfter: retryAfter)
                        notBefore = ContinuousClock.now + delay
                    } else {
                        delay = Self.backoff(failures: failures)
                    }
                }
                // Sleep until the delay passes or someone triggers a sync.
                let sleeper = Task {
                    try await Task.sleep(for: delay); continuation.yield()
                }
                _ = await iterator.next()
                sleeper.cancel()
                if let until = notBefore {
                    notBefore = nil
                    if ContinuousClock.now < until { try? await Task.sleep(until: until) }
                }
            }
        }
        continuation.finish()
    }

    private func finished(summary: SyncSummary?, error: String?) {
        if let summary {
            lastSummary = summary
            lastError = nil
            if summary.acknowledged + summary.parked > 0 {
                logger.info(
                    "sync done", metadata: ["acknowledged": "\(summary.acknowledged)", "parked": "\(summary.parked)"])
            }
        } else {
            lastError = error
            // IT reads this when a batch went out twice or the queue drains slowly; a missing link
            // does not get here (no sync starts while the link monitor says unreachable).
            logger.notice("sync attempt failed", metadata: ["reason": "\(error ?? "")"])
        }
    }

    /// A failed sync: a jam (the server answers, but the queue does not drain) becomes the
    /// kit's sync problem — logged, kept for `doctor`, shown in the status and reported to the
    /// fleet view on its own small request. A missing link is not a jam.
    func noteFailure(_ error: SyncError) async {
        guard var current = error.problem(since: Date(), attempts: 1) else { return }
        let previous = problem
        let sameAsBefore = previous?.kind == current.kind && previous?.seq == current.seq
        if let previous, sameAsBefore {
            current.since = previous.since
            current.attempts = previous.attempts + 1
        }
        let metadata: Logger.Metadata = [
            "problem": "\(current.kind.rawValue)", "seq": "\(current.seq.map(String.init) ?? "-")",
            "attempts": "\(current.attempts)", "reason": "\(current.reason)",
        ]
        let becameAlarm = current.isAlarm && !(sameAsBefore && previous?.isAlarm == true)
        // When it becomes an alarm, then every tenth attempt: a jam must be seen, not flood the log.
        if becameAlarm || (current.isAlarm && current.attempts % 10 == 0) {
            logger.error("the queue does not drain", metadata: metadata)
        } else if !current.isAlarm {
            logger.warning("sync failed; tried again shortly", metadata: metadata)
        }
        await noteProblem(current)
        if current.isAlarm { await client.report() }
    }

    /// Stores and announces the current problem (nil: syncs work again).
    func noteProblem(_ current: SyncProblem?) async {
        if current == nil, let previous = problem {
            logger.notice(
                "the queue drains again",
                metadata: ["problem": "\(previous.kind.rawValue)", "attempts": "\(previous.attempts)"])
        }
        guard current != problem else { return }
        problem = current
        // Only an alarm is shown (status, doctor, page, fleet); a first passing failure is not.
        let shown = current.flatMap { $0.isAlarm ? $0 : nil }
        try? outbox?.storeSyncProblem(shown)
        await onProblemChange(shown)
    }

    /// The wait after a busy answer: the server's Retry-After plus up to a quarter of it (at least
    /// half a second) of jitter, so kits told the same second do not all come back in the same one.
    static func busyDelay(retryAfter: Duration) -> Duration {
        let base = min(retryAfter, RetryAfter.longest)
        let spread = max(Double(base.components.seconds) * 0.25, 0.5)
        return base + .milliseconds(Int64(Double.random(in: 0...spread) * 1000))
    }

    /// Exponential backoff with full jitter: uniform in [0, min(60 s, 1 s × 2^failures)].
    static func backoff(failures: Int) -> Duration {
        let cap = min(60.0, pow(2.0, Double(min(failures, 10))))
        return .milliseconds(Int64(Double.random(in: 0...cap) * 1000))
    }
}
