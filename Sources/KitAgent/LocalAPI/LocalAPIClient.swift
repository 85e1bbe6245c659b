import AsyncHTTPClient
import Foundation
import KitCore
import NIOCore
import NIOHTTP1

/// A client of a running agent's local API, used by `kit-agent status`, `unlock`, `lock` and the
/// other subcommands that talk to the daemon instead of opening its files.
public struct LocalAPIClient: Sendable {
    public let endpoint: LocalAPIEndpoint
    private let stateDirectory: String
    private let client: HTTPClient
    /// How long the device steps wait; each device request waits the policy's client wait for it.
    public let waits: DeviceWaitPolicy

    public init(
        endpoint: LocalAPIEndpoint, stateDirectory: String, client: HTTPClient = LocalAPIClient.httpClient,
        waits: DeviceWaitPolicy = .standard
    ) {
        self.endpoint = endpoint
        self.stateDirectory = stateDirectory
        self.client = client
        self.waits = waits
    }

    /// The HTTP client of the local API's clients. Without a read timeout (`HTTPClient.shared` gives
    /// up after 90 s of silence, while the agent holds a device request open for minutes): each
    /// request's deadline is what bounds the wait — the policy's client wait for a device step.
    public static let httpClient = HTTPClient(
        eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: httpClientConfiguration)

    static let httpClientConfiguration = HTTPClient.Configuration(timeout: .init(connect: .seconds(5), read: nil))

    /// The wait of requests that do not wait for a device (status, sync, queue).
    public static let ordinaryWait: Duration = .seconds(300)

    /// How long this client waits for the agent's answer to `step` (`requested`: a signature's
    /// own device wait).
    public func wait(for step: LongDeviceStep, requested: Duration? = nil) -> Duration {
        waits.clientWait(step, requested: requested)
    }

    /// Finds the agent running with this state directory.
    public init(stateDirectory: String) throws(AgentError) {
        self.init(
            endpoint: try LocalAPIEndpoint.read(fromStateDirectory: stateDirectory), stateDirectory: stateDirectory)
    }

    /// `GET /v1/status`, optionally after a fresh probe of the server.
    public func status(refresh: Bool) async throws(AgentError) -> AgentStatus {
        let body = try await send(.GET, "/v1/status" + (refresh ? "?refresh=true" : ""))
        do {
            return try WireCoding.decoder().decode(AgentStatus.self, from: body)
        } catch {
            throw .localAPI(reason: "status document cannot be read (\(error))")
        }
    }

    /// `POST /v1/unlock`.
    public func unlock(secret: String, initialize: Bool, clerk: String? = nil, name: String? = nil)
        async throws(AgentError)
    {
        struct Body: Encodable {
            var secret: String
            var initialize: Bool
            var clerk: String?
            var name: String?
        }
        let data: Data
        do {
            data = try JSONEncoder().encode(Body(secret: secret, initialize: initialize, clerk: clerk, name: name))
        } catch {
            throw .localAPI(reason: "\(error)")
        }
        _ = try await send(.POST, "/v1/unlock", body: data)
    }

    /// `POST /v1/clerks`: adds a clerk's key slot (the kit must be unlocked).
    public func addClerk(_ clerk: Clerk, secret: String) async throws(AgentError) {
        struct Body: Encodable {
            var clerk: String
            var name: String
            var secret: String
        }
        let data: Data
        do { data = try JSONEncoder().encode(Body(clerk: clerk.id, name: clerk.name, secret: secret)) } catch {
            throw .localAPI(reason: "\(error)")
        }
        _ = try await send(.POST, "/v1/clerks", body: data)
    }

    /// `GET /v1/clerks`: the clerks with a key slot and who has the kit now.
    public func clerks() async throws(AgentError) -> (clerks: [Clerk], current: Clerk?) {
        struct Body: Decodable {
            var clerks: [Clerk]
            var current: Clerk?
        }
        let data = try await send(.GET, "/v1/clerks")
        do {
            let body = try JSONDecoder().decode(Body.self, from: data)
            return (body.clerks, body.current)
        } catch {
            throw .localAPI(reason: "the clerk list cannot be read: \(error)")
        }
    }

    /// `POST /v1/sync`: sync now.
    public func sync() async throws(AgentError) -> SyncSummary {
        let body = try await send(.POST, "/v1/sync")
        do {
            return try WireCoding.decoder().decode(SyncSummary.self, from: body)
        } catch {
            throw .localAPI(reason: "sync summary cannot be read (\(error))")
        }
    }

    /// `GET /v1/cases/{caseId}`: where the case's visit stands.
    public func workflow(caseId: String) async throws(AgentError) -> CaseWorkflow {
        struct Detail: Decodable { var workflow: CaseWorkflow }
        let body = try await send(.GET, "/v1/cases/\(Self.escaped(caseId))")
        do {
            return try WireCoding.decoder().decode(Detail.self, from: body).workflow
        } catch {
            throw .localAPI(reason: "case answer cannot be read (\(error))")
        }
    }

    /// `GET /v1/queue/stats`.
    public func queueStats() async throws(AgentError) -> QueueStats {
        let body = try await send(.GET, "/v1/queue/stats")
        do {
            return try WireCoding.decoder().decode(QueueStats.self, from: body)
        } catch {
            throw .localAPI(reason: "queue statistics cannot be read (\(error))")
        }
    }

    /// `POST /v1/steps`: records a step; returns its seq.
    public func recordStep(_ step: StepRecorder.Step) async throws(AgentError) -> UInt64 {
        struct Recorded: Decodable { var seq: UInt64 }
        let data: Data
        do { data = try WireCoding.encoder().encode(step) } catch { throw .localAPI(reason: "\(error)") }
        let body = try await send(.POST, "/v1/steps", body: data)
        do {
            return try JSONDecoder().decode(Recorded.self, from: body).seq
        } catch {
            throw .localAPI(reason: "step answer cannot be read (\(error))")
        }
    }

    /// `POST /v1/cases/{caseId}/cancel`: cancels the device step that waits for the case and
    /// records `step.cancelled`; returns its seq and the cancelled step's name.
    public func cancelDeviceStep(caseId: String) async throws(AgentError) -> (seq: UInt64, step: String) {
        struct Cancelled: Decodable {
            var seq: UInt64
            var step: String
        }
        let body = try await send(.POST, "/v1/cases/\(Self.escaped(caseId))/cancel", body: nil)
        do {
            let answer = try JSONDecoder().decode(Cancelled.self, from: body)
            return (answer.seq, answer.step)
        } catch {
            throw .localAPI(reason: "cancel answer cannot be read (\(error))")
        }
    }

    /// What a device step recorded: the outbox seq, and for finger sets the kept and skipped fingers.
    public struct EvidenceRecorded: Decodable, Sendable {
        public var seq: UInt64
        public var kept: [StepPayload.FingerprintSet.Finger]?
        public var skipped: [StepPayload.FingerprintSet.Skip]?
        /// For the address step: the change was recorded before; nothing was written now.
        public var alreadyRecorded: Bool?
    }

    /// `POST /v1/cases/{caseId}/identity`: checks the ID card on the reader against the case.
    public func checkIdentity(caseId: String, can: String) async throws(AgentError) -> (
        seq: UInt64, result: IdentityStation.IdentityResult
    ) {
        struct Answer: Decodable {
            var seq: UInt64
            var result: IdentityStation.IdentityResult
        }
        let data: Data
        do { data = try JSONEncoder().encode(["can": can]) } catch { throw .localAPI(reason: "\(error)") }
        let body = try await send(
            .POST, "/v1/cases/\(Self.escaped(caseId))/identity", body: data, wait: wait(for: .identity))
        do {
            let answer = try JSONDecoder().decode(Answer.self, from: body)
            return (answer.seq, answer.result)
        } catch {
            throw .localAPI(reason: "identity answer cannot be read (\(error))")
        }
    }

    /// `POST /v1/cases/{caseId}/address`: writes the new address to the ID card and records it
    /// (or answers with the change recorded before: `alreadyRecorded`).
    public func changeAddress(caseId: String, can: String, address: CaseSnapshot.Address) async throws(AgentError)
        -> EvidenceRecorded
    {
        try await evidence(
            "/v1/cases/\(Self.escaped(caseId))/address",
            body: ["can": can, "street": address.street, "zip": address.zip, "city": address.city],
            wait: wait(for: .address))
    }

    /// `POST /v1/cases/{caseId}/identity/override`: the clerk's documented override of a failed
    /// identity check (never allows writing to the card).
    public func overrideIdentity(caseId: String, reason: String) async throws(AgentError) -> UInt64 {
        try await evidence("/v1/cases/\(Self.escaped(caseId))/identity/override", body: ["reason": reason]).seq
    }

    /// `POST /v1/cases/{caseId}/signature`: the citizen signs `text` on the pad. The pad waits the
    /// policy's signature wait (sent along, so both sides use the same) and this client that plus
    /// the margin: a signature the agent records is always reported here.
    public func captureSignature(caseId: String, text: String) async throws(AgentError) -> EvidenceRecorded {
        struct Body: Encodable {
            var text: String
            var timeoutSeconds: Int
        }
        let deviceWait = waits.deviceWait(.signature)
        return try await evidence(
            "/v1/cases/\(Self.escaped(caseId))/signature",
            body: Body(text: text, timeoutSeconds: Int(deviceWait.components.seconds)),
            wait: wait(for: .signature, requested: deviceWait))
    }

    /// `POST /v1/cases/{caseId}/fingerprints`: the BSI finger set on the scanner; `skips` maps finger
    /// names (e.g. `leftIndex`) to reasons (`missing`, `injured`, `notCapturable`).
    public func captureFingerprints(caseId: String, skips: [String: String]) async throws(AgentError)
        -> EvidenceRecorded
    {
        try await evidence(
            "/v1/cases/\(Self.escaped(caseId))/fingerprints", body: ["skip": skips], wait: wait(for: .fingerprints))
    }

    /// `GET /v1/camera/checks` (one frame's photo checks, nothing recorded) or, with `caseId`,
    /// `POST /v1/cases/{caseId}/photo` (takes and records the photo; no image is ever sent).
    public func photo(caseId: String? = nil) async throws(AgentError) -> PhotoAnswer {
        let answer =
            if let caseId {
                try await send(.POST, "/v1/cases/\(Self.escaped(caseId))/photo")
            } else {
                try await send(.GET, "/v1/camera/checks")
            }
        do {
            return try JSONDecoder().decode(PhotoAnswer.self, from: answer)
        } catch {
            throw .localAPI(reason: "photo answer cannot be read (\(error))")
        }
    }

    private func evidence(_ path: String, body: some Encodable, wait: Duration = LocalAPIClient.ordinaryWait)
        async throws(AgentError) -> EvidenceRecorded
    {
        let data: Data
        do { data = try JSONEncoder().encode(body) } catch { throw .localAPI(reason: "\(error)") }
        let answer = try await send(.POST, path, body: data, wait: wait)
        do {
            return try JSONDecoder().decode(EvidenceRecorded.self, from: answer)
        } catch {
            throw .localAPI(reason: "device step answer cannot be read (\(error))")
        }
    }

    static func escaped(_ component: String) -> String {
        component.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? component
    }

    /// `POST /v1/cases/{caseId}/payment`: takes a card payment (default amount: the case's fees).
    /// Answers after the terminal finished (up to the card holder's time limit).
    public func pay(caseId: String, amountCents: Int?) async throws(AgentError) -> PaymentResult {
        struct Body: Encodable { var amountCents: Int? }
        let data: Data
        do { data = try JSONEncoder().encode(Body(amountCents: amountCents)) } catch {
            throw .localAPI(reason: "\(error)")
        }
        let escaped = caseId.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? caseId
        let body = try await send(.POST, "/v1/cases/\(escaped)/payment", body: data, wait: wait(for: .payment))
        do {
            return try WireCoding.decoder().decode(PaymentResult.self, from: body)
        } catch {
            throw .localAPI(reason: "payment answer cannot be read (\(error))")
        }
    }

    /// `GET /v1/payments`: payments whose outcome is not recorded yet.
    public func unresolvedPayments() async throws(AgentError) -> [PaymentIntentRecord] {
        let body = try await send(.GET, "/v1/payments")
        do {
            return try WireCoding.decoder().decode([PaymentIntentRecord].self, from: body)
        } catch {
            throw .localAPI(reason: "payment list cannot be read (\(error))")
        }
    }

    /// `POST /v1/payments/{intentSeq}/resolve`: settles a payment by hand (``PaymentDesk/resolveByHand``).
    public func resolvePayment(
        intentSeq: UInt64, paid: Bool, receiptNumber: Int?, traceNumber: Int?, note: String
    ) async throws(AgentError) -> PaymentResult {
        struct Body: Encodable {
            var paid: Bool
            var receiptNumber: Int?
            var traceNumber: Int?
            var note: String
        }
        let data: Data
        do {
            data = try JSONEncoder().encode(
                Body(paid: paid, receiptNumber: receiptNumber, traceNumber: traceNumber, note: note))
        } catch {
            throw .localAPI(reason: "\(error)")
        }
        let body = try await send(.POST, "/v1/payments/\(intentSeq)/resolve", body: data)
        do {
            return try WireCoding.decoder().decode(PaymentResult.self, from: body)
        } catch {
            throw .localAPI(reason: "payment answer cannot be read (\(error))")
        }
    }

    /// `POST /v1/lock`.
    public func lock() async throws(AgentError) {
        _ = try await send(.POST, "/v1/lock")
    }

    private func send(
        _ method: HTTPMethod, _ path: String, body: Data? = nil, wait: Duration = LocalAPIClient.ordinaryWait
    ) async throws(AgentError) -> Data {
        var request = HTTPClientRequest(url: endpoint.baseURL + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(endpoint.token)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response: HTTPClientResponse
        let buffer: ByteBuffer
        do {
            let seconds = wait.components.seconds
            response = try await client.execute(request, timeout: .seconds(seconds))
            buffer = try await response.body.collect(upTo: 4 << 20)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            // The agent is there but has not answered: not "not running", and not "failed".
            throw .noAnswerInTime(request: "\(method) \(path)", seconds: Int(wait.components.seconds))
        } catch {
            // The endpoint file is left over from an agent that did not stop cleanly.
            throw .notRunning(stateDirectory: stateDirectory)
        }
        let data = Data(buffer.readableBytesView)
        guard (200..<300).contains(response.status.code) else {
            struct ErrorBody: Decodable {
                struct Inner: Decodable {
                    var message: String
                    var detail: String?
                }
                var error: Inner
            }
            if let error = try? JSONDecoder().decode(ErrorBody.self, from: data).error {
                // The clerk's German sentence, then the English detail for IT.
                throw .refused(reason: error.message + (error.detail.map { " (\($0))" } ?? ""))
            }
            throw .localAPI(reason: "HTTP \(response.status.code) for \(path)")
        }
        return data
    }
}
