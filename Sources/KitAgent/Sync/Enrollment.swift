import AsyncHTTPClient
import Crypto
import Foundation
import KitCore
import NIOCore
import NIOHTTP1

/// Enrolls this kit with a sync server: redeems the operator's one-time token, registers the
/// kit's signing public key, and stores the API token and the server's data key it receives.
public enum Enrollment {
    public static func enroll(
        stateDirectory: StateDirectory, serverURL: URL, kitId: String, token: String, client: HTTPClient = .shared
    ) async throws(AgentError) -> KitCredentials {
        let keys: KitKeyStore
        let signingKey: [UInt8]
        do {
            keys = try KitKeyStore(stateDirectory: stateDirectory)
            signingKey = Array(try keys.signingKey().publicKey.x963Representation)
        } catch {
            throw .keys(error)
        }
        var request = HTTPClientRequest(url: serverURL.appendingPathComponent("v1/enroll").absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        do {
            request.body = .bytes(
                ByteBuffer(
                    bytes: try WireCoding.encoder().encode(
                        EnrollmentRequest(kitId: kitId, token: token, signingKey: Data(signingKey)))))
        } catch {
            throw .localAPI(reason: "\(error)")
        }
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await client.execute(request, timeout: .seconds(30))
            body = try await response.body.collect(upTo: 1 << 20)
        } catch {
            throw .refused(reason: "enrollment failed: sync server unreachable (\(LinkProblem(error).description))")
        }
        guard response.status == .ok else {
            throw .refused(
                reason: response.status == .forbidden
                    ? "enrollment refused: the token is unknown, used, expired or for another kit id"
                    : "enrollment failed: HTTP \(response.status.code)")
        }
        do {
            let reply = try WireCoding.decoder().decode(EnrollmentReply.self, from: Data(body.readableBytesView))
            let dataKey = try P256KeyParsing.keyAgreementPublicKey(pem: reply.serverDataKey)
            try keys.installServerDataKey(dataKey)
            _ = try keys.kitId(configured: nil, replacingWith: kitId)
            let credentials = KitCredentials(
                kitId: kitId, apiToken: reply.apiToken, serverURL: serverURL.absoluteString)
            try credentials.save(to: keys)
            return credentials
        } catch let error as KeyStoreError {
            throw .keys(error)
        } catch {
            throw .refused(reason: "enrollment answer cannot be used: \(error)")
        }
    }
}
