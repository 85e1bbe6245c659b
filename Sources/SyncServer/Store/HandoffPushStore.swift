import Foundation
import KitCore

/// The push part of the hand-off storage (docs/handoff.md, "Push"): a consumer's optional push
/// endpoint and, per dossier, its delivery state — pending, delivered or dead letter — with the
/// attempts, the last error and when the next attempt is due. Everything lives in the database,
/// so it survives a restart and several server processes share it: a due dossier is claimed with
/// a lease (its next attempt moved to the end of the lease) before it is sent.
///
/// A consumer's queue is its built, unconfirmed dossiers that were neither delivered nor
/// dead-lettered, in feed order; only the head is sent, so a consumer receives them in order.
public protocol HandoffPushStore: Sendable {
    /// Registers a consumer like ``HandoffStore/addConsumer(_:tokenHash:)``, with its push
    /// endpoint in the same transaction (nil: pull only).
    func addConsumer(_ consumer: HandoffConsumer, tokenHash: [UInt8], push: PushEndpoint?) async throws(StoreError)
    /// Sets or removes an active consumer's push endpoint.
    func setPushEndpoint(consumer: String, push: PushEndpoint?) async throws(StoreError)
    /// Push URLs of the consumers that have one, by consumer name (no secrets).
    func pushURLs() async throws(StoreError) -> [String: String]
    /// Claims the head of every active push consumer's queue whose next attempt is due at `now`:
    /// moves its next attempt to `now + lease` so that no other worker sends it meanwhile.
    func claimDuePushes(now: Date, lease: TimeInterval) async throws(StoreError) -> [PushClaim]
    /// Records a successful delivery (the dossier leaves the queue).
    func recordPushDelivered(dossierId: String, at: Date) async throws(StoreError)
    /// Records a failed attempt: retried at `retryAt`, or dead-lettered when `retryAt` is nil.
    func recordPushFailure(dossierId: String, reason: String, at: Date, retryAt: Date?) async throws(StoreError)
    /// Puts a dead-lettered dossier back in its consumer's queue (attempts reset). False when it
    /// is not dead-lettered.
    func requeuePush(dossierId: String, by actor: String, at: Date) async throws(StoreError) -> Bool
    /// The push queues of all active push consumers: pending and dead-lettered dossiers, in feed order.
    func pushQueue() async throws(StoreError) -> [PushQueueEntry]
}

/// Where and how a consumer receives pushes.
public struct PushEndpoint: Sendable, Equatable, CustomStringConvertible {
    public var url: String
    public var secret: PushSecret

    public init(url: String, secret: PushSecret) {
        self.url = url
        self.secret = secret
    }

    /// Checks a push URL: `https://host[:port]/path`, or `http://` to a loopback address (tests,
    /// a receiver on the same machine). No user info, query or fragment, at most 2000 characters.
    public static func validate(url text: String) throws(HandoffInputError) -> URL {
        guard text.utf8.count <= 2000, let url = URL(string: text), let scheme = url.scheme?.lowercased(),
            let host = url.host, !host.isEmpty
        else { throw .invalid("the push URL must be an absolute URL like https://fachverfahren.example/handoff") }
        // Nothing secret in a URL: it appears in the audit trail and in `consumers list`.
        guard url.user == nil, url.password == nil, url.fragment == nil, url.query == nil else {
            throw .invalid("the push URL must not contain a user, password, ?query or #fragment")
        }
        let loopback = ["127.0.0.1", "::1", "[::1]", "localhost"].contains(host.lowercased())
        guard scheme == "https" || (scheme == "http" && loopback) else {
            throw .invalid("the push URL must use https (plain http only to 127.0.0.1, ::1 or localhost)")
        }
        return url
    }

    public var description: String { "PushEndpoint(\(url), secret redacted)" }
}

/// A claimed delivery: the dossier to send and where to send it.
public struct PushClaim: Sendable {
    public var dossierId: String
    public var caseId: String
    public var consumer: String
    public var position: Int64
    public var container: [UInt8]
    public var endpoint: PushEndpoint
    /// Failed attempts so far.
    public var attempts: Int
    /// When the first attempt of the current series failed (nil: none failed yet).
    public var firstFailureAt: Date?

    public init(
        dossierId: String, caseId: String, consumer: String, position: Int64, container: [UInt8],
        endpoint: PushEndpoint, attempts: Int, firstFailureAt: Date?
    ) {
        self.dossierId = dossierId
        self.caseId = caseId
        self.consumer = consumer
        self.position = position
        self.container = container
        self.endpoint = endpoint
        self.attempts = attempts
        self.firstFailureAt = firstFailureAt
    }
}

/// One undelivered dossier of a push consumer.
public struct PushQueueEntry: Sendable, Equatable {
    public enum State: String, Sendable, Equatable {
        case pending
        case deadLetter = "dead_letter"
    }

    public var dossierId: String
    public var caseId: String
    public var consumer: String
    public var position: Int64
    public var state: State
    public var attempts: Int
    public var lastError: String?
    public var nextAttemptAt: Date?
    public var deadLetteredAt: Date?

    public init(
        dossierId: String, caseId: String, consumer: String, position: Int64, state: State, attempts: Int,
        lastError: String?, nextAttemptAt: Date?, deadLetteredAt: Date?
    ) {
        self.dossierId = dossierId
        self.caseId = caseId
        self.consumer = consumer
        self.position = position
        self.state = state
        self.attempts = attempts
        self.lastError = lastError
        self.nextAttemptAt = nextAttemptAt
        self.deadLetteredAt = deadLetteredAt
    }
}
