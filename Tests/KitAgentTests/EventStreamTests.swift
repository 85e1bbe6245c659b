import AsyncHTTPClient
import Foundation
import GRDB
import HTTPTypes
import HummingbirdWSClient
import KitAgent
import KitCore
import KitTestSupport
import Logging
import NIOCore
import NIOHTTP1
import NIOWebSocket
import Testing

@Suite("Agent events: what changed")
struct AgentEventTrackerTests {
    func status(
        _ reachability: ServerLinkStatus.Reachability = .reachable, probedAt: Date = Date(), lastSeq: UInt64 = 0,
        pending: Int = 0
    ) -> AgentStatus {
        AgentStatus(
            agentVersion: "test", processID: 1, startedAt: Date(timeIntervalSince1970: 0), stateDirectory: "/state",
            server: ServerLinkStatus(
                url: "https://server", reachability: reachability, lastProbeAt: probedAt, lastReachableAt: probedAt,
                roundTripMilliseconds: Double.random(in: 1...50)),
            kitId: "kit-1", unlocked: true,
            queue: QueueStats(
                byState: ["pending": pending], lastSeq: lastSeq, oldestUnacknowledgedAt: nil, retainedBytes: 0))
    }

    func entry(_ seq: UInt64, case caseId: String, _ state: OutboxState) throws -> OutboxEntry {
        try OutboxEntry(
            row: Row([
                "seq": Int64(seq), "tx_id": "tx-\(seq)", "case_id": caseId, "kind": "signature.captured",
                "base_version": 1, "wall_millis": Int64(0), "state": state.rawValue, "state_changed_millis": Int64(0),
                "attempts": 0, "envelope_size": 100, "envelope_hash": Data([1, 2]), "retained": true,
                "answer": nil, "park_reason": nil,
            ]))
    }

    @Test func theFirstLookSendsTheStatusAndNoCaseEvents() throws {
        var tracker = AgentEventTracker()
        let events = tracker.changes(status: status(), devices: [], entries: [try entry(1, case: "A", .pending)])
        #expect(events.map(\.type) == [.status])
        #expect(events.first?.status?.kitId == "kit-1")
    }

    @Test func aSteadyLinkSendsNothingAlthoughEveryProbeChangesTimes() {
        var tracker = AgentEventTracker()
        _ = tracker.changes(status: status(probedAt: Date(timeIntervalSince1970: 10)), devices: [], entries: [])
        let events = tracker.changes(
            status: status(probedAt: Date(timeIntervalSince1970: 20)), devices: [], entries: [])
        #expect(events.isEmpty)
    }

    @Test func linkQueueAndDeviceChangesSendAStatus() {
        var tracker = AgentEventTracker()
        _ = tracker.changes(status: status(), devices: [], entries: [])
        #expect(tracker.changes(status: status(.unreachable), devices: [], entries: []).map(\.type) == [.status])
        #expect(
            tracker.changes(status: status(.unreachable, lastSeq: 1, pending: 1), devices: [], entries: []).map(\.type)
                == [.status])
        let pcscdDown = [DeviceHealthSummary(device: "pcscd", state: "failure", detail: "not running")]
        let events = tracker.changes(
            status: status(.unreachable, lastSeq: 1, pending: 1), devices: pcscdDown, entries: [])
        #expect(events.map(\.type) == [.status])
        #expect(events.first?.devices == pcscdDown)
    }

    @Test func newAndChangedTransactionsNameTheirCasesOnce() throws {
        var tracker = AgentEventTracker()
        let first = [try entry(2, case: "B", .pending), try entry(1, case: "A", .sent)]
        _ = tracker.changes(status: status(), devices: [], entries: first)
        // A new step for C, B's step acknowledged, and another new step for C: one event per case.
        let second = [
            try entry(4, case: "C", .pending), try entry(3, case: "C", .pending),
            try entry(2, case: "B", .acknowledged),
            try entry(1, case: "A", .sent),
        ]
        let events = tracker.changes(status: status(), devices: [], entries: second)
        #expect(events.filter { $0.type == .caseUpdated }.compactMap(\.caseId) == ["B", "C"])
        // Nothing changed: nothing to say. An entry that fell out of the window is not a change.
        #expect(tracker.changes(status: status(), devices: [], entries: second).isEmpty)
        #expect(tracker.changes(status: status(), devices: [], entries: Array(second.prefix(2))).isEmpty)
    }

    @Test func eventsCarryNoPersonalDataAndRoundTrip() throws {
        let event = AgentEvent(type: .stepEnded, caseId: "2026-MZ-0101", step: "signature", httpStatus: 201)
        let json = event.json()
        #expect(json.contains(#""type":"step.ended""#))
        #expect(try WireCoding.decoder().decode(AgentEvent.self, from: Data(json.utf8)) == event)
    }
}

@Suite("Agent event hub")
struct AgentEventHubTests {
    func drain(_ stream: AsyncStream<AgentEvent>, upTo count: Int) async -> [AgentEvent] {
        var events: [AgentEvent] = []
        for await event in stream {
            events.append(event)
            if events.count == count { break }
        }
        return events
    }

    @Test func aNewClientStartsWithTheLatestStatusOnly() async {
        let hub = AgentEventHub()
        hub.publish(AgentEvent(type: .caseUpdated, caseId: "A"))
        hub.publish(AgentEvent(type: .status, devices: []))
        hub.publish(AgentEvent(type: .status, devices: [DeviceHealthSummary(device: "disk", state: "ok")]))
        let stream = hub.subscribe()
        hub.publish(AgentEvent(type: .caseUpdated, caseId: "B"))
        let events = await drain(stream, upTo: 2)
        #expect(events.map(\.type) == [.status, .caseUpdated])
        #expect(events.first?.devices?.first?.device == "disk")
        #expect(events.last?.caseId == "B")
    }

    @Test func aSlowClientKeepsTheNewestEventsAndNeverBlocksThePublisher() async {
        let hub = AgentEventHub(buffer: 8)
        let stream = hub.subscribe()
        for index in 0..<1_000 { hub.publish(AgentEvent(type: .caseUpdated, caseId: "case-\(index)")) }
        let events = await drain(stream, upTo: 8)
        #expect(events.compactMap(\.caseId) == (992..<1_000).map { "case-\($0)" })
    }

    @Test func shutdownEndsEveryStreamAndLaterOnes() async {
        let hub = AgentEventHub()
        let first = hub.subscribe()
        #expect(hub.subscriberCount == 1)
        hub.finish()
        #expect(await drain(first, upTo: 10).isEmpty)
        #expect(await drain(hub.subscribe(), upTo: 10).isEmpty)
        #expect(hub.subscriberCount == 0)
    }

    @Test func aClientThatLeavesIsForgotten() async {
        let hub = AgentEventHub()
        do {
            let stream = hub.subscribe()
            hub.publish(AgentEvent(type: .caseUpdated, caseId: "A"))
            _ = await drain(stream, upTo: 1)
        }
        // The stream and its iterator are gone: the hub drops the subscriber.
        for _ in 0..<50 where hub.subscriberCount > 0 { try? await Task.sleep(for: .milliseconds(10)) }
        #expect(hub.subscriberCount == 0)
    }
}

@Suite("Device step paths")
struct DeviceStepPathTests {
    @Test func deviceStepsAreRecognised() {
        #expect(DeviceStepPath.parse("/v1/cases/2026-MZ-0101/signature")! == ("2026-MZ-0101", "signature"))
        #expect(DeviceStepPath.parse("/v1/cases/A%2FB/payment")! == ("A/B", "payment"))
    }

    @Test(arguments: [
        "", "/", "/v1", "/v1/cases", "/v1/cases//signature", "/v1/cases/A/steps", "/v1/cases/A/signature/extra",
        "v1/cases/A/signature", "//v1/cases/A/signature", "/v2/cases/A/signature", "/v1/cases/A/Signature",
        "/v1/cases/A/signature?x", String(repeating: "/", count: 10_000), "/v1/cases/\u{0}/identity%00",
    ])
    func otherPathsAreNot(path: String) {
        #expect(DeviceStepPath.parse(path) == nil)
    }

    @Test func randomPathsNeverCrash() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("/v1cases%AZaz09.-_\u{0}\u{FFFD}ä")
        for _ in 0..<5_000 {
            let path = String((0..<Int.random(in: 0...60, using: &generator)).map { _ in alphabet.randomElement()! })
            if let (caseId, step) = DeviceStepPath.parse(path) {
                #expect(DeviceStepPath.steps.contains(step))
                #expect(!caseId.isEmpty)
            }
        }
    }
}

@Suite("Local API event stream (WebSocket)", .serialized)
struct EventStreamTests {
    /// Connects, collects text messages until `enough` says so (or 10 s pass), then closes.
    func collect(
        _ endpoint: LocalAPIEndpoint, headers: HTTPFields, enough: @escaping @Sendable ([AgentEvent]) -> Bool,
        while body: @escaping @Sendable () async -> Void = {}
    ) async throws -> [AgentEvent] {
        let received = Collected()
        var configuration = WebSocketClientConfiguration()
        configuration.additionalHeaders = headers
        try await WebSocketClient.connect(
            url: "ws://127.0.0.1:\(endpoint.port)/v1/events", configuration: configuration, logger: quietLogger()
        ) { inbound, outbound, _ in
            let deadline = ContinuousClock.now + .seconds(10)
            var started = false
            var messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
            while ContinuousClock.now < deadline, let message = try await messages.next() {
                guard case .text(let text) = message else { continue }
                let event = try WireCoding.decoder().decode(AgentEvent.self, from: Data(text.utf8))
                await received.append(event)
                if !started {
                    started = true
                    Task { await body() }
                }
                if enough(await received.events) { break }
            }
            try await outbound.close(.normalClosure, reason: nil)
        }
        return await received.events
    }

    actor Collected {
        var events: [AgentEvent] = []
        func append(_ event: AgentEvent) { events.append(event) }
    }

    @Test func aClientWithTheTokenGetsTheStatusFirst() async throws {
        try await withAgent(serverURL: "http://127.0.0.1:9", probeTimeout: 0.3) { endpoint, _ in
            let events = try await collect(
                endpoint, headers: [.authorization: "Bearer \(endpoint.token)"], enough: { !$0.isEmpty })
            let first = try #require(events.first)
            #expect(first.type == .status)
            #expect(first.status?.processID == ProcessInfo.processInfo.processIdentifier)
            #expect(first.status?.server.url == "http://127.0.0.1:9")
        }
    }

    @Test func aBrowserPresentsTheTokenAsSubprotocolAndGetsOnlyTheProtocolNameBack() async throws {
        try await withAgent(serverURL: "http://127.0.0.1:9", probeTimeout: 0.3) { endpoint, _ in
            let headers: HTTPFields = [.secWebSocketProtocol: "kit-agent.v1, kit-token.\(endpoint.token)"]
            let events = try await collect(endpoint, headers: headers, enough: { !$0.isEmpty })
            #expect(events.first?.type == .status)
            // The handshake's answer, read raw: the token is not echoed.
            let answer = try await rawHandshake(
                endpoint,
                extraHeaders: [
                    "Sec-WebSocket-Protocol: kit-agent.v1, kit-token.\(endpoint.token)",
                    "Origin: http://127.0.0.1:\(endpoint.port)",
                ])
            #expect(answer.hasPrefix("HTTP/1.1 101"))
            #expect(answer.lowercased().contains("sec-websocket-protocol: kit-agent.v1\r\n"))
            #expect(!answer.contains(endpoint.token))
        }
    }

    @Test func withoutTheTokenOrFromAForeignPageThereIsNoStream() async throws {
        try await withAgent(serverURL: "http://127.0.0.1:9", probeTimeout: 0.3) { endpoint, _ in
            // A refused handshake gets the WebSocket library's 400 and no stream.
            let noToken = try await rawHandshake(endpoint, extraHeaders: [])
            #expect(noToken.hasPrefix("HTTP/1.1 400"))
            let wrongToken = try await rawHandshake(endpoint, extraHeaders: ["Sec-WebSocket-Protocol: kit-token.00"])
            #expect(wrongToken.hasPrefix("HTTP/1.1 400"))
            let foreign = try await rawHandshake(
                endpoint, extraHeaders: ["Authorization: Bearer \(endpoint.token)", "Origin: https://evil.example"])
            #expect(foreign.hasPrefix("HTTP/1.1 400"))
            let rebound = try await rawHandshake(
                endpoint, host: "evil.example:\(endpoint.port)",
                extraHeaders: ["Authorization: Bearer \(endpoint.token)"])
            #expect(rebound.hasPrefix("HTTP/1.1 400"))
            // The control: the same handshake with the token is accepted.
            let accepted = try await rawHandshake(endpoint, extraHeaders: ["Authorization: Bearer \(endpoint.token)"])
            #expect(accepted.hasPrefix("HTTP/1.1 101"))
            await #expect(throws: (any Error).self) {
                _ = try await collect(endpoint, headers: [:], enough: { _ in true })
            }
        }
    }

    @Test func aDeviceStepIsAnnouncedWhenItStartsAndEnds() async throws {
        try await withAgent(serverURL: "http://127.0.0.1:9", probeTimeout: 0.3) { endpoint, _ in
            let events = try await collect(
                endpoint, headers: [.authorization: "Bearer \(endpoint.token)"],
                enough: { $0.contains { $0.type == .stepEnded } },
                while: {
                    // The kit is not enrolled and locked: the step fails, and the end says how.
                    var request = HTTPClientRequest(url: endpoint.baseURL + "/v1/cases/2026-MZ-0101/signature")
                    request.method = .POST
                    request.headers.add(name: "Authorization", value: "Bearer \(endpoint.token)")
                    request.headers.add(name: "Content-Type", value: "application/json")
                    request.body = .bytes(ByteBuffer(string: #"{"text": "Ich bestätige."}"#))
                    if let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(10)) {
                        _ = try? await response.body.collect(upTo: 1 << 20)
                    }
                })
            let steps = events.filter { $0.type == .stepStarted || $0.type == .stepEnded }
            #expect(steps.map(\.type) == [.stepStarted, .stepEnded])
            #expect(steps.allSatisfy { $0.caseId == "2026-MZ-0101" && $0.step == "signature" })
            let ended = try #require(steps.last?.httpStatus)
            #expect((400..<600).contains(ended))
        }
    }

    /// Sends a WebSocket upgrade request by hand and returns the head of the answer.
    func rawHandshake(_ endpoint: LocalAPIEndpoint, host: String? = nil, extraHeaders: [String]) async throws -> String
    {
        let lines =
            [
                "GET /v1/events HTTP/1.1", "Host: \(host ?? "127.0.0.1:\(endpoint.port)")", "Upgrade: websocket",
                "Connection: Upgrade", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13",
            ] + extraHeaders
        let answer = try await ListeningSocket.exchange(
            port: endpoint.port, request: lines.joined(separator: "\r\n") + "\r\n\r\n", until: "\r\n\r\n")
        return answer
    }
}

@Suite("Clerk UI assets")
struct ClerkUIAssetTests {
    func fetch(_ url: String, headers: [(String, String)] = []) async throws -> (HTTPClientResponse, String) {
        var request = HTTPClientRequest(url: url)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        return (response, String(buffer: try await response.body.collect(upTo: 1 << 22)))
    }

    @Test func thePageIsServedWithoutTokenButStrictlyAndLoadsNothingFromOutside() async throws {
        try await withAgent(serverURL: "http://127.0.0.1:9", probeTimeout: 0.3) { endpoint, _ in
            let (page, html) = try await fetch(endpoint.baseURL + "/ui/")
            #expect(page.status == .ok)
            let policy = try #require(page.headers.first(name: "Content-Security-Policy"))
            #expect(policy.contains("default-src 'none'"))
            #expect(policy.contains("script-src 'self'"))
            #expect(policy.contains("connect-src 'self' ws://127.0.0.1:\(endpoint.port)"))
            #expect(policy.contains("frame-ancestors 'none'"))
            #expect(!html.contains(endpoint.token))
            #expect(html.contains(#"lang="de""#))
            for asset in ["app.js", "autolock.js", "waysout.js", "app.css", "icon.svg"] {
                let (response, text) = try await fetch(endpoint.baseURL + "/ui/" + asset)
                #expect(response.status == .ok, "\(asset)")
                #expect(!text.isEmpty)
                // Offline: no asset refers to another host.
                for scheme in ["http://", "https://", "//fonts.", "cdn"] where asset != "icon.svg" {
                    #expect(!text.contains(scheme), "\(asset) refers to \(scheme)")
                }
            }
            #expect(!html.contains("http://") && !html.contains("https://"))
            let (missing, _) = try await fetch(endpoint.baseURL + "/ui/../keys/kit-signing.pem")
            #expect(missing.status == .notFound)
            let (other, _) = try await fetch(endpoint.baseURL + "/ui/local-api.yaml")
            #expect(other.status == .notFound)
        }
    }

    @Test func aRequestForAnotherHostNameIsRefusedEvenWithTheToken() async throws {
        try await withAgent(serverURL: "http://127.0.0.1:9", probeTimeout: 0.3) { endpoint, _ in
            let (rebound, body) = try await fetch(
                endpoint.baseURL + "/v1/status",
                headers: [("Host", "evil.example:\(endpoint.port)"), ("Authorization", "Bearer \(endpoint.token)")])
            #expect(rebound.status == .misdirectedRequest)
            #expect(body.contains("127.0.0.1"))
            let (local, _) = try await fetch(
                endpoint.baseURL + "/v1/status",
                headers: [("Host", "localhost:\(endpoint.port)"), ("Authorization", "Bearer \(endpoint.token)")])
            #expect(local.status == .ok)
        }
    }
}
