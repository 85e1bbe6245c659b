import AsyncHTTPClient
import Foundation
import KitAgent
import KitCore
import KitDrivers
import KitSimulators
import KitTestSupport
import NIOCore
import NIOHTTP1
import Testing

/// The photo step through `kit-agent run` and its local API, the clerk page's path: live checks,
/// the capture, and the refusals that keep the chain of custody (no uploaded image, no generic step).
@Suite("Local API: the photo comes only from the kit's camera", .serialized)
struct LocalAPIPhotoTests {
    static let portrait = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("KitDriversTests/Camera/Fixtures/portrait.png").path

    func call(
        _ endpoint: LocalAPIEndpoint, _ method: HTTPMethod, _ path: String, body: [UInt8]? = nil
    ) async throws -> (status: UInt, json: [String: Any]) {
        var request = HTTPClientRequest(url: endpoint.baseURL + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(endpoint.token)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/octet-stream")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let buffer = try await response.body.collect(upTo: 1 << 20)
        let object = try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))
        return (UInt(response.status.code), object as? [String: Any] ?? [:])
    }

    @Test func liveChecksThenCaptureAndNoImageIsEverAccepted() async throws {
        guard let binaries = Binaries.find() else { return }
        let simulator = try CameraSimulator(scene: .image(path: Self.portrait))
        defer { simulator.stop() }
        let kit = try await PreparedKit(cases: [("case-photo", 0)], steps: [.identify, .photo, .fingerprints])
        let children = ChildProcesses()
        defer { children.killAll() }
        _ = try await children.startAgent(
            binaries.kitAgent, kit: kit, terminal: "127.0.0.1:9",
            environment: ["KIT_AGENT_CAMERA_SOURCE": simulator.source.pipelineHead])
        let client = try LocalAPIClient(stateDirectory: kit.stateDirectory)
        try await client.unlock(secret: PaymentCrashTests.secret, initialize: false)
        let endpoint = client.endpoint

        let checks = try await call(endpoint, .GET, "/v1/camera/checks")
        #expect(checks.status == 200)
        #expect(checks.json["acceptable"] as? Bool == true, "\(checks.json)")
        let lights = (checks.json["checks"] as? [[String: Any]] ?? []).compactMap { $0["light"] as? String }
        #expect(lights.count == PhotoQualityCheck.allCases.count)
        // The same through the client `kit-agent photo` uses.
        let viaClient = try await client.photo()
        #expect(viaClient.acceptable == true)
        #expect(viaClient.checks.filter { $0.light == "green" }.count >= PhotoQualityCheck.allCases.count - 1)

        // An image handed in is refused, and so is a photo as a generic step.
        let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0] + [UInt8](repeating: 7, count: 2000) + [0xFF, 0xD9]
        let upload = try await call(endpoint, .POST, "/v1/cases/case-photo/photo", body: jpeg)
        #expect(upload.status == 400 || upload.status == 413, "\(upload)")
        let tiny = try await call(endpoint, .POST, "/v1/cases/case-photo/photo", body: [0x42])
        #expect(tiny.status == 400, "\(tiny)")
        let step = try await call(
            endpoint, .POST, "/v1/steps",
            body: Array(#"{"caseId":"case-photo","kind":"photo.captured","facts":{"imageSHA256":"00"}}"#.utf8))
        #expect(step.status == 400, "\(step)")

        let taken = try await call(endpoint, .POST, "/v1/cases/case-photo/photo")
        #expect(taken.status == 201, "\(taken.json)")
        #expect((taken.json["imageSHA256"] as? String)?.count == 64)
        #expect(try await client.workflow(caseId: "case-photo").steps.first { $0.step == .photo }?.status == .done)
        // A retake through the client: the step may be repeated; the dossier carries every photo, in order.
        let again = try await client.photo(caseId: "case-photo")
        #expect(again.seq == 2)
        #expect(again.imageSHA256?.count == 64)
        children.killAll()
        try kit.inspect { _, outbox in
            let kinds = try outbox.entries(limit: 10).map(\.kind)
            #expect(kinds == ["photo.captured", "photo.captured"])
        }
    }
}
