import AsyncHTTPClient
import Foundation
import Hummingbird
import KitCore
import KitTestSupport
import NIOCore
import Synchronization
import Testing

@testable import KitAgent

/// Issue #19: one timeout policy for long device steps. The agent ends a step at its limit (the
/// device refuses a later confirmation); every client waits at least that long plus a margin, so a
/// step the agent records is reported to the client, never "failed" there.
@Suite("Device wait policy shared by the agent and its clients")
struct DeviceWaitPolicyTests {
    let policy = DeviceWaitPolicy.standard

    @Test func everyClientWaitsAtLeastTheAgentsLimitPlusTheMargin() {
        #expect(policy.clientMargin >= .seconds(10))
        for step in LongDeviceStep.allCases {
            #expect(policy.agentLimit(step) >= policy.deviceWait(step), "\(step)")
            #expect(policy.clientWait(step) >= policy.agentLimit(step) + policy.clientMargin, "\(step)")
        }
        // Whatever signature wait a local API client asks for, it waits longer than the pad.
        for seconds in [0, 1, 5, 30, 90, 120, 180, 600, 601, 10_000] {
            let requested = Duration.seconds(seconds)
            let padWait = policy.deviceWait(.signature, requested: requested)
            #expect(DeviceWaitPolicy.signatureRange.contains(padWait), "\(seconds) s")
            #expect(
                policy.clientWait(.signature, requested: requested) >= padWait + policy.clientMargin, "\(seconds) s")
        }
    }

    @Test func theStepsWaitsHoldTheirDevicesWaits() {
        // The identity and address steps include the card wait, the finger set at least one capture,
        // the payment the terminal's silence after the abort request.
        #expect(policy.deviceWait(.identity) > policy.cardWait)
        #expect(policy.deviceWait(.address) > policy.cardWait)
        #expect(policy.deviceWait(.fingerprints) >= policy.fingerCapture * 3)
        #expect(policy.agentLimit(.payment) == policy.deviceWait(.payment) + policy.terminalSilence)
        // The issue's case: the pad waited 120 s, the command gave up after 90 s.
        #expect(policy.clientWait(.signature) > .seconds(120))
        // A stop (SIGTERM) ends the device steps and the process well inside 5 s.
        #expect(policy.shutdownGrace < AgentDaemon.maximumStop)
        #expect(AgentDaemon.maximumStop < .seconds(5))
    }

    @Test func theLocalAPIClientWaitsThePolicyForEveryStep() throws {
        let client = LocalAPIClient(
            endpoint: LocalAPIEndpoint(port: 1, token: "t", processID: 1), stateDirectory: temporaryPath("waits"))
        for step in LongDeviceStep.allCases {
            #expect(client.wait(for: step) == policy.clientWait(step), "\(step)")
        }
        // No read timeout of its own (HTTPClient.shared gives up after 90 s of silence).
        #expect(LocalAPIClient.httpClientConfiguration.timeout.read == nil)
    }

    /// A stand-in for the agent's local API that answers the signature request after `delay`.
    func withSlowSignatureAPI<Result>(
        delay: Duration, _ body: (LocalAPIEndpoint, SignatureRequests) async throws -> Result
    ) async throws -> Result {
        let requests = SignatureRequests()
        return try await whileRunning(
            { ready in
                let router = Router()
                router.post("v1/cases/:caseId/signature") { request, context -> Response in
                    let buffer = try await request.body.collect(upTo: 1 << 16)
                    requests.append(Data(buffer.readableBytesView))
                    try await Task.sleep(for: delay)
                    return Response(
                        status: .created, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(string: #"{"seq": 7, "txId": "x"}"#)))
                }
                let app = Application(
                    router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                    onServerRunning: { channel in await ready(channel.localAddress?.port ?? 0) },
                    logger: quietLogger())
                try await app.runService()
            },
            { port in
                try await body(LocalAPIEndpoint(port: port, token: "t", processID: getpid()), requests)
            })
    }

    @Test func aSignatureConfirmedLateButWithinTheAgentsWaitIsReported() async throws {
        // The pad's shortest wait (5 s) plus 2 s: an answer after 6 s still reaches the client.
        let waits = DeviceWaitPolicy(signature: .seconds(5), clientMargin: .seconds(2))
        try await withSlowSignatureAPI(delay: .seconds(6)) { endpoint, requests in
            let client = LocalAPIClient(endpoint: endpoint, stateDirectory: temporaryPath("late"), waits: waits)
            let recorded = try await client.captureSignature(caseId: "c1", text: "Ich beantrage.")
            #expect(recorded.seq == 7)
            let sent = try #require(requests.all.first)
            let body = try #require(try JSONSerialization.jsonObject(with: sent) as? [String: Any])
            #expect(body["timeoutSeconds"] as? Int == 5, "the client tells the agent the wait it waits for")
        }
    }

    @Test func noAnswerWithinTheClientsWaitIsNotReportedAsFailedOrNotRunning() async throws {
        let waits = DeviceWaitPolicy(signature: .seconds(5), clientMargin: .seconds(1))
        try await withSlowSignatureAPI(delay: .seconds(9)) { endpoint, _ in
            let client = LocalAPIClient(endpoint: endpoint, stateDirectory: temporaryPath("silent"), waits: waits)
            let answer = await Self.result { () throws(AgentError) in
                try await client.captureSignature(caseId: "c1", text: "Ich beantrage.")
            }
            switch answer {
            case .success: Issue.record("an answer after the client's wait was accepted")
            case .failure(.noAnswerInTime(_, let seconds)): #expect(seconds == 6)
            case .failure(let error): Issue.record("expected noAnswerInTime, got \(error)")
            }
        }
    }

    static func result<T>(_ body: () async throws(AgentError) -> T) async -> Result<T, AgentError> {
        do throws(AgentError) { return .success(try await body()) } catch { return .failure(error) }
    }

    @Test func theSignCommandWaitsAsThePolicySays() async throws {
        guard let binaries = Binaries.find() else { return }
        try await withSlowSignatureAPI(delay: .milliseconds(100)) { endpoint, requests in
            let stateDirectory = temporaryPath("sign-command")
            try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
            try endpoint.write(toStateDirectory: stateDirectory)
            let run = try await runCommand(
                binaries.kitAgent,
                ["sign", "--case", "c1", "--text", "Ich beantrage.", "--state-dir", stateDirectory])
            #expect(run.status == 0, "\(run.output)")
            #expect(run.output.contains("signature recorded for case c1 as transaction 7"), "\(run.output)")
            let sent = try #require(requests.all.first)
            let body = try #require(try JSONSerialization.jsonObject(with: sent) as? [String: Any])
            #expect(body["timeoutSeconds"] as? Int == Int(DeviceWaitPolicy.standard.signature.components.seconds))
        }
    }
}

/// The bodies of the signature requests a stand-in API received.
final class SignatureRequests: Sendable {
    private let bodies = Mutex<[Data]>([])
    func append(_ body: Data) { bodies.withLock { $0.append(body) } }
    var all: [Data] { bodies.withLock { $0 } }
}
