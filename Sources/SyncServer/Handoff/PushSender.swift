import AsyncHTTPClient
import Crypto
import Foundation
import KitCore
import NIOCore
import NIOHTTP1
import NIOSSL

/// Sends one dossier to a consumer's push endpoint (docs/handoff.md, "Push") and judges the
/// answer. Delivered means HTTP 2xx with an empty body (the consumer confirms later with the ack
/// API) or with an acknowledgement body (`{"outcome": …}`, recorded as its confirmation).
/// Everything else is a failure with a reason fit for the log — no body content is repeated:
/// another status, a redirect (never followed), a 2xx whose body is not an acknowledgement or is
/// larger than 8 KiB, no answer within the timeout, a refused connection or TLS certificate.
public final class PushSender: Sendable {
    let client: HTTPClient
    let timeout: Double

    public init(settings: PushSettings) throws(PushFailure) {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        tls.certificateVerification = .fullVerification
        // BSI TR-02102-2: ECDHE with AES-GCM for TLS 1.2, NIST curves only (no X25519).
        tls.cipherSuiteValues =
            ServerTLSIdentity.tr02102CipherSuites + [
                .TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, .TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            ]
        tls.curves = ServerTLSIdentity.tr02102Curves
        if let caFile = settings.caFile {
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
            } catch {
                throw PushFailure("the CA file \(caFile) cannot be read as PEM certificates: \(error)")
            }
        }
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls, redirectConfiguration: .disallow,
            timeout: .init(connect: .milliseconds(Int64(min(settings.timeout, 10) * 1000))),
            decompression: .disabled)
        configuration.httpVersion = .http1Only
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        timeout = settings.timeout
    }

    public func shutdown() async {
        try? await client.shutdown()
    }

    /// Sends the claimed dossier, signed at `now`.
    public func send(_ claim: PushClaim, now: Date) async throws(PushFailure) -> HandoffAcknowledgement? {
        let timestamp = Int64(now.timeIntervalSince1970.rounded(.down))
        var request = HTTPClientRequest(url: claim.endpoint.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-tar")
        request.headers.add(name: HandoffPushSignature.dossierIdHeader, value: claim.dossierId)
        request.headers.add(name: HandoffPushSignature.cursorHeader, value: String(claim.position))
        request.headers.add(name: HandoffPushSignature.timestampHeader, value: String(timestamp))
        request.headers.add(
            name: HandoffPushSignature.signatureHeader,
            value: HandoffPushSignature.sign(
                secret: claim.endpoint.secret, timestamp: timestamp, dossierId: claim.dossierId, body: claim.container))
        request.headers.add(name: "Dossier-SHA256", value: Hex.encode(SHA256.hash(data: claim.container)))
        request.body = .bytes(ByteBuffer(bytes: claim.container))
        let deadline = NIODeadline.now() + .milliseconds(Int64(timeout * 1000))
        do {
            let response = try await client.execute(request, deadline: deadline)
            let status = response.status.code
            let limit = HandoffAcknowledgement.maximumBodyBytes
            let body: ByteBuffer
            do {
                body = try await response.body.collect(upTo: limit)
            } catch is NIOTooManyBytesError {
                throw PushFailure("HTTP \(status) with an answer larger than \(limit) bytes")
            }
            switch status {
            case 200..<300:
                let bytes = Array(buffer: body)
                if bytes.allSatisfy({ [0x20, 0x09, 0x0A, 0x0D].contains($0) }) { return nil }
                do {
                    return try HandoffAcknowledgement.parse(bytes)
                } catch {
                    throw PushFailure(
                        "HTTP \(status), but the answer (\(bytes.count) bytes) is neither empty nor an acknowledgement")
                }
            case 300..<400:
                throw PushFailure("HTTP \(status): redirects are not followed; the push URL must name the receiver")
            default:
                throw PushFailure("HTTP \(status)")
            }
        } catch let failure as PushFailure {
            throw failure
        } catch let error as HTTPClientError
            where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout
        {
            throw PushFailure("no answer within \(timeout) s (\(error))")
        } catch let error as NIOSSLError {
            throw PushFailure("TLS failed: \(error)")
        } catch {
            throw PushFailure("the connection failed: \(String(describing: error).prefix(300))")
        }
    }
}

/// Why one push attempt failed, in a sentence for the log and the back office (no personal data).
public struct PushFailure: Error, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
