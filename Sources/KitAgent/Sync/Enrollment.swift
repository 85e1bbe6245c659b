import AsyncHTTPClient
import Crypto
import Foundation
import KitCore
import NIOCore
import NIOHTTP1
import NIOSSL
import SwiftASN1
import X509

/// Enrolls this kit with a sync server: redeems the operator's one-time token, registers the
/// kit's signing public key, sends a certificate request for a new TLS client key and stores what
/// comes back: the client certificate, the kit CA certificate, the API token and the server's data
/// key.
///
/// Over `https://` the server must prove itself with a certificate from the kit CA the operator
/// handed over out of band (`--ca-file`, the server's `keys/kit-ca.pem`); the CA in the answer must
/// be that same certificate. Plain `http://` is only for servers with `tls.enabled=false`.
public enum Enrollment {
    public static func enroll(
        stateDirectory: StateDirectory, serverURL: URL, kitId: String, token: String, caCertificatePEM: String?
    ) async throws(AgentError) -> KitCredentials {
        let keys: KitKeyStore
        let signingKey: [UInt8]
        do {
            keys = try KitKeyStore(stateDirectory: stateDirectory)
            signingKey = Array(try keys.signingKey().publicKey.x963Representation)
        } catch {
            throw .keys(error)
        }
        let usesTLS = serverURL.scheme?.lowercased() == "https"
        var pinned: Certificate?
        if let caCertificatePEM {
            do { pinned = try Certificate(pemEncoded: caCertificatePEM) } catch {
                throw .refused(reason: "the CA file is not a PEM certificate: give the server's keys/kit-ca.pem")
            }
        }
        if usesTLS && pinned == nil {
            throw .refused(
                reason: "enrollment over https needs the server's kit CA certificate: give --ca-file (keys/kit-ca.pem)")
        }
        // A new TLS key for every enrollment; it only ever signs TLS handshakes.
        let tlsKey = P256.Signing.PrivateKey()
        let csr: String
        do { csr = try KitTLSIdentity.certificateRequest(kitId: kitId, key: tlsKey) } catch {
            throw .localAPI(reason: "cannot create the certificate request: \(error)")
        }
        var request = HTTPClientRequest(url: serverURL.appendingPathComponent("v1/enroll").absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        do {
            request.body = .bytes(
                ByteBuffer(
                    bytes: try WireCoding.encoder().encode(
                        EnrollmentRequest(kitId: kitId, token: token, signingKey: Data(signingKey), csr: csr))))
        } catch {
            throw .localAPI(reason: "\(error)")
        }
        let client: HTTPClient
        if let pinned, usesTLS {
            let authority: [UInt8]
            do { authority = try KitTLSIdentity.der(pinned) } catch {
                throw .refused(reason: "the CA file cannot be used: \(error)")
            }
            client = HTTPClient(
                eventLoopGroup: HTTPClient.defaultEventLoopGroup,
                configuration: HTTPClient.Configuration(
                    tlsConfiguration: KitTLSIdentity.pinnedConfiguration(authority: authority)))
        } else {
            client = .shared
        }
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            defer { if client !== HTTPClient.shared { Task { try? await client.shutdown() } } }
            response = try await client.execute(request, timeout: .seconds(30))
            body = try await response.body.collect(upTo: 1 << 20)
        } catch {
            throw .refused(reason: "enrollment failed: sync server unreachable (\(LinkProblem(error).description))")
        }
        guard response.status == .ok else {
            let message = String(decoding: body.readableBytesView, as: UTF8.self)
            throw .refused(
                reason: response.status == .forbidden
                    ? "enrollment refused: the token is unknown, used, expired or for another kit id"
                    : "enrollment failed: HTTP \(response.status.code) \(ServerMessage.extract(message))")
        }
        do {
            let reply = try WireCoding.decoder().decode(EnrollmentReply.self, from: Data(body.readableBytesView))
            let dataKey = try P256KeyParsing.keyAgreementPublicKey(pem: reply.serverDataKey)
            let authority = try Certificate(pemEncoded: reply.caCertificate)
            if let pinned, pinned != authority {
                throw AgentError.refused(
                    reason: "the server handed out another CA than the one given with --ca-file; check the server URL")
            }
            let certificate = try Certificate(pemEncoded: reply.clientCertificate)
            guard certificate.publicKey == Certificate.PublicKey(tlsKey.publicKey),
                authority.publicKey.isValidSignature(certificate.signature, for: certificate)
            else {
                throw AgentError.refused(
                    reason: "the server's client certificate is not for this kit's key or not from its CA; enroll again"
                )
            }
            let identity = KitTLSIdentity(clientCertificate: certificate, authority: authority, privateKey: tlsKey)
            try identity.save(to: keys)
            try keys.installServerDataKey(dataKey)
            _ = try keys.kitId(configured: nil, replacingWith: kitId)
            let credentials = KitCredentials(
                kitId: kitId, apiToken: reply.apiToken, serverURL: serverURL.absoluteString)
            try credentials.save(to: keys)
            // Enrollment reached the server: the offline limit starts now.
            try SecretFile.write(
                Array(String(Int64(Date().timeIntervalSince1970 * 1000)).utf8), to: keys.lastContactPath)
            return credentials
        } catch let error as AgentError {
            throw error
        } catch let error as KeyStoreError {
            throw .keys(error)
        } catch {
            throw .refused(reason: "enrollment answer cannot be used: \(error)")
        }
    }
}

/// The `message` of a Hummingbird error body, or the body itself, shortened.
enum ServerMessage {
    static func extract(_ body: String) -> String {
        struct ErrorBody: Decodable {
            struct Inner: Decodable { var message: String }
            var error: Inner
        }
        if let decoded = try? JSONDecoder().decode(ErrorBody.self, from: Data(body.utf8)) {
            return "(" + decoded.error.message + ")"
        }
        return body.isEmpty ? "" : "(" + String(body.prefix(200)) + ")"
    }
}
