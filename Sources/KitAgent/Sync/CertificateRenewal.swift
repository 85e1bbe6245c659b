import AsyncHTTPClient
import Crypto
import Foundation
import KitCore
import Logging
import NIOCore
import NIOHTTP1
import SwiftASN1
import X509

/// Renews the kit's TLS client certificate before it expires (`POST /v1/kits/{kit}/certificate`),
/// with a new key each time. `kit-agent renew-certificate` renews at once; the running agent
/// renews after a successful sync once less than ``renewBefore`` of the certificate's validity is
/// left (`tls.renewBeforeDays`, default 30).
///
/// The old certificate and key stay in use until the new ones are stored: the server accepts only
/// the newest certificate from the moment it answers, so the steps are ordered for a crash (or a
/// lost answer) at any point:
/// 1. under an exclusive lock (``RenewalLock``), the new key is written to `tls-client.next.key`
///    (temporary file, fsync, rename, 0600) *before* the request leaves the kit;
/// 2. the request is sent with the current certificate and API token;
/// 3. the answer's certificate is checked (this key, the pinned CA, this kit) and written to
///    `tls-client.next.pem`; from then on the new pair is used;
/// 4. both files are renamed over `tls-client.key` / `tls-client.pem` and the folder is synced.
///
/// If the agent dies between 2 and 3, the server has already replaced the old certificate and
/// refuses it on kit routes. The kit still holds the new key, though: the next renewal (the agent
/// tries one after every sync attempt while `tls-client.next.key` exists, or
/// `kit-agent renew-certificate`) asks again for that same key, and the server's renewal route —
/// and only it — accepts the replaced certificate when the request is signed with the key of the
/// certificate that replaced it, and hands that certificate out again (`recovered`). If the
/// request never reached the server, the same step is simply a renewal with the pending key. A
/// crash during 4 is finished by ``KitTLSIdentity/load(from:)``.
public struct CertificateRenewal: Sendable {
    public let keys: KitKeyStore
    public let connection: ServerConnection
    public let logger: Logger
    /// Renew when less than this is left of the certificate's validity.
    public var renewBefore: TimeInterval
    public var timeout: TimeAmount

    /// The default renewal window: 30 days.
    public static let defaultRenewBefore: TimeInterval = 30 * 86_400

    public init(
        keys: KitKeyStore, connection: ServerConnection, logger: Logger,
        renewBefore: TimeInterval = CertificateRenewal.defaultRenewBefore, timeout: TimeAmount = .seconds(30)
    ) {
        self.keys = keys
        self.connection = connection
        self.logger = logger
        self.renewBefore = renewBefore
        self.timeout = timeout
    }

    /// What a renewal attempt did.
    public enum Outcome: Sendable, Equatable {
        /// Nothing to do: the certificate is valid until this date and no renewal is pending.
        case notDue(notValidAfter: Date)
        /// A new certificate is stored and in use. `recovered`: the server handed out again the
        /// certificate of an interrupted earlier renewal.
        case renewed(serial: String, notValidAfter: Date, recovered: Bool)
    }

    /// Whether an interrupted renewal waits to be finished (a pending key on disk).
    public var hasPendingRenewal: Bool {
        FileManager.default.fileExists(atPath: KitTLSIdentity.nextKeyPath(keys))
    }

    /// Renews when the certificate expires within ``renewBefore`` or an earlier renewal was
    /// interrupted; otherwise does nothing.
    public func renewIfDue(now: Date = Date()) async throws(CertificateRenewalError) -> Outcome {
        let identity = try currentIdentity()
        if !hasPendingRenewal && identity.clientCertificate.notValidAfter.timeIntervalSince(now) > renewBefore {
            return .notDue(notValidAfter: identity.clientCertificate.notValidAfter)
        }
        return try await renew()
    }

    /// Renews now (or finishes an interrupted renewal).
    public func renew() async throws(CertificateRenewalError) -> Outcome {
        let acquired: RenewalLock?
        do { acquired = try RenewalLock.acquire(keys, wait: false) } catch { throw .keys(error) }
        guard let lock = acquired else { throw .busy }
        defer { lock.release() }
        let credentials: KitCredentials
        let identity = try currentIdentity()
        let nextKey: P256.Signing.PrivateKey
        do {
            guard let loaded = try KitCredentials.load(from: keys) else { throw CertificateRenewalError.notEnrolled }
            credentials = loaded
            try KitTLSIdentity.completeInterruptedRenewal(keys)
            if let pending = try KitTLSIdentity.pendingKey(keys) {
                // An earlier attempt may have reached the server: ask for the same key again.
                nextKey = pending
                logger.info("finishing an interrupted certificate renewal", metadata: ["kit": "\(credentials.kitId)"])
            } else {
                nextKey = P256.Signing.PrivateKey()
                try KitTLSIdentity.savePendingKey(nextKey, to: keys)
            }
        } catch let error as CertificateRenewalError {
            throw error
        } catch let error as KeyStoreError {
            throw .keys(error)
        } catch {
            throw .keys(.cannotWrite(path: keys.directory, reason: "\(error)"))
        }
        let reply = try await send(nextKey: nextKey, credentials: credentials)
        let certificate = try check(reply, nextKey: nextKey, kitId: credentials.kitId, authority: identity.authority)
        do {
            try KitTLSIdentity.installRenewed(certificate, to: keys)
        } catch {
            throw .keys(error)
        }
        let serial = certificate.serialNumber.bytes.map { String(format: "%02x", $0) }.joined()
        logger.notice(
            "kit certificate renewed",
            metadata: [
                "kit": "\(credentials.kitId)", "certificateSerial": "\(serial)",
                "notValidAfter": "\(certificate.notValidAfter)", "recovered": "\(reply.recovered)",
            ])
        return .renewed(serial: serial, notValidAfter: certificate.notValidAfter, recovered: reply.recovered)
    }

    private func currentIdentity() throws(CertificateRenewalError) -> KitTLSIdentity {
        do {
            guard let identity = try KitTLSIdentity.load(from: keys) else { throw CertificateRenewalError.notEnrolled }
            return identity
        } catch let error as CertificateRenewalError {
            throw error
        } catch let error as KeyStoreError {
            throw .keys(error)
        } catch {
            throw .notEnrolled
        }
    }

    private func send(nextKey: P256.Signing.PrivateKey, credentials: KitCredentials)
        async throws(CertificateRenewalError) -> CertificateRenewalReply
    {
        let body: Data
        do {
            let csr = try KitTLSIdentity.certificateRequest(kitId: credentials.kitId, key: nextKey)
            body = try WireCoding.encoder().encode(CertificateRenewalRequest(csr: csr))
        } catch {
            throw .garbage("cannot create the certificate request: \(error)")
        }
        let url = KitServerRequest.url(credentials, path: "/v1/kits/\(credentials.kitId)/certificate")
        let client: HTTPClient
        do { client = try await connection.client(for: url) } catch {
            throw .unreachable(error.description)
        }
        let request = KitServerRequest.make(.POST, url: url, credentials: credentials, json: body)
        let response: HTTPClientResponse
        let buffer: ByteBuffer
        do {
            response = try await client.execute(request, timeout: timeout)
            buffer = try await response.body.collect(upTo: 1 << 20)
        } catch {
            throw .unreachable(LinkProblem(error).description)
        }
        guard response.status == .ok else {
            let message = ServerMessage.extract(String(decoding: buffer.readableBytesView, as: UTF8.self))
            throw .refused(status: Int(response.status.code), message: message)
        }
        do {
            return try WireCoding.decoder().decode(CertificateRenewalReply.self, from: Data(buffer.readableBytesView))
        } catch {
            throw .garbage("the answer is not a certificate renewal reply")
        }
    }

    /// The new certificate must be for the pending key, for this kit, and signed by the pinned CA.
    private func check(
        _ reply: CertificateRenewalReply, nextKey: P256.Signing.PrivateKey, kitId: String, authority: Certificate
    ) throws(CertificateRenewalError) -> Certificate {
        let certificate: Certificate
        do { certificate = try Certificate(pemEncoded: reply.clientCertificate) } catch {
            throw .garbage("the renewed certificate is not a PEM certificate")
        }
        let commonName = certificate.subject.flatMap { $0 }.first { $0.type == .RDNAttributeType.commonName }
        guard certificate.publicKey == Certificate.PublicKey(nextKey.publicKey),
            authority.publicKey.isValidSignature(certificate.signature, for: certificate),
            commonName.map({ String($0.value) }) == kitId
        else {
            throw .garbage(
                "the renewed certificate is not for this kit's new key or not from the pinned kit CA; "
                    + "the old certificate stays in use")
        }
        return certificate
    }
}

/// Why a certificate renewal did not happen, worded for IT staff.
public enum CertificateRenewalError: Error, Equatable, CustomStringConvertible {
    /// No certificate, key or API token yet.
    case notEnrolled
    /// Another renewal (the agent or `kit-agent renew-certificate`) is running.
    case busy
    /// The server cannot be reached; the old certificate stays in use.
    case unreachable(String)
    /// The server refused the renewal.
    case refused(status: Int, message: String)
    /// The server answered something unusable.
    case garbage(String)
    /// A key file cannot be read or written.
    case keys(KeyStoreError)

    public var description: String {
        switch self {
        case .notEnrolled:
            return "this kit has no client certificate to renew: run kit-agent enroll"
        case .busy:
            return "another certificate renewal is running for this kit (the agent or renew-certificate): try again"
        case .unreachable(let reason):
            return "certificate not renewed, sync server unreachable (\(reason)); the current certificate stays in use"
        case .refused(let status, let message):
            let fix =
                status == 401 || status == 403
                ? ": the server no longer accepts this kit's certificate or token; enroll the kit again"
                : ""
            return "the sync server refused the certificate renewal (HTTP \(status)) \(message)\(fix)"
        case .garbage(let reason):
            return "certificate not renewed: \(reason)"
        case .keys(let error):
            return error.description
        }
    }
}
