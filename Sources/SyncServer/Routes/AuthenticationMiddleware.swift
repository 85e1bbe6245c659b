import Crypto
import Foundation
import Hummingbird
import KitCore
import Logging

/// Kit routes: the connection must carry a client certificate from the kit CA (verified in the TLS
/// handshake; expired or foreign certificates never get this far) whose common name is the kit id,
/// that is the kit's *current* certificate as recorded at enrollment or the last renewal (serial
/// number and SHA-256 of the public key), and the request the kit's API token (issued at
/// enrollment, stored hashed) for the same kit. Requests without a certificate, with a replaced or
/// never recorded one, and unknown and revoked kits are refused before any handler runs; refused
/// certificates are counted (`sync_kit_certificate_refusals_total`) and logged by serial, never
/// with the token. Only with `tls.enabled=false` (local development) is the API token enough.
///
/// Kits enrolled before certificates were recorded (schema v3) have none on record; their
/// certificate is accepted as before (``KitCertificateStanding/unrecorded(_:)``) until the kit's
/// first renewal records one.
struct KitAuthenticationMiddleware: RouterMiddleware {
    typealias Context = SyncRequestContext
    let store: any SyncStore
    let requireClientCertificate: Bool
    var metrics = ServerMetrics()
    /// Only for the renewal route: a replaced certificate gets through as
    /// ``KitCertificateStanding/replaced(_:_:current:)``, so the route can hand an interrupted
    /// renewal's certificate out again (``CertificateRenewalController``).
    var letReplacedCertificateThrough = false
    /// Failure budget per client address for wrong API tokens (shared with the other secrets).
    var throttle = AuthenticationThrottle()

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var presented: PresentedCertificate?
        if requireClientCertificate {
            guard let certificate = await ClientCertificateIdentity.presented(on: context.channel) else {
                throw HTTPError(
                    .unauthorized, message: "a client certificate from this server's kit CA is required: enroll the kit"
                )
            }
            presented = certificate
        }
        guard let token = BearerToken.from(request) else {
            throw HTTPError(.unauthorized, message: "kit API token missing")
        }
        let found = try await store.kit(apiTokenHash: BearerToken.hash(token))
        try await throttle.check(
            .kitToken, tokenIsRight: found != nil, context: context, message: "unknown or revoked kit")
        guard let kit = found else { throw HTTPError(.unauthorized, message: "unknown or revoked kit") }
        if let presented, presented.kitId != kit.kitId {
            try await throttle.check(
                .kitToken, tokenIsRight: false, context: context,
                message: "the client certificate and the API token belong to different kits", status: .forbidden)
        }
        var context = context
        context.kitId = kit.kitId
        if let presented {
            context.certificate = try await standing(of: presented, context: context)
        }
        return try await next(request, context)
    }

    /// Compares the presented certificate with the kit's recorded ones; throws for one that is not
    /// the current certificate (unless this route lets replaced ones through).
    func standing(of presented: PresentedCertificate, context: Context) async throws -> KitCertificateStanding {
        let records = try await store.kitCertificates(kitId: presented.kitId, serial: presented.serial)
        let current = records.first(where: \.isCurrent)
        if let current, current.matches(presented) {
            return .current(presented, current)
        }
        if records.isEmpty {
            context.logger.info(
                "kit certificate accepted without a record (enrolled before certificates were recorded)",
                metadata: ["kit": "\(presented.kitId)", "certificateSerial": "\(presented.serial)"])
            return .unrecorded(presented)
        }
        let replaced = records.first { !$0.isCurrent && $0.matches(presented) }
        if let replaced, letReplacedCertificateThrough {
            return .replaced(presented, replaced, current: current)
        }
        throw refusal(presented, replaced: replaced, current: current, context: context)
    }

    /// Counts, logs and words the refusal of a kit-CA certificate that is not the kit's current one.
    func refusal(
        _ presented: PresentedCertificate, replaced: KitCertificateRecord?, current: KitCertificateRecord?,
        context: Context
    ) -> HTTPError {
        let reason = replaced == nil ? CertificateRefusal.notRecorded : CertificateRefusal.replaced
        metrics.countCertificateRefusal(reason)
        var metadata: Logger.Metadata = [
            "kit": "\(presented.kitId)", "certificateSerial": "\(presented.serial)", "reason": "\(reason.rawValue)",
        ]
        if let current { metadata["currentSerial"] = "\(current.serial)" }
        context.logger.warning("kit certificate refused: not the kit's current certificate", metadata: metadata)
        return HTTPError(.unauthorized, message: Self.message(presented, replaced: replaced, current: current))
    }

    /// The sentence an IT person reads in the kit's log or `kit-agent sync`.
    static func message(
        _ presented: PresentedCertificate, replaced: KitCertificateRecord?, current: KitCertificateRecord?
    ) -> String {
        let what = "the client certificate of kit \(presented.kitId) (serial \(presented.serial))"
        let remedy =
            "if this kit no longer has its current certificate, enroll it again (sync-server kits enroll, then "
            + "kit-agent enroll); kit-agent renew-certificate works only with the current certificate"
        if let replaced, let at = replaced.replacedAt {
            var by = ""
            if let current, current.serial == replaced.replacedBy {
                by = current.origin == .renewal ? " by a renewal" : " by a re-enrollment"
            }
            return "\(what) was replaced on \(ISO8601DateFormatter().string(from: at))\(by): \(remedy)"
        }
        return "\(what) is not the certificate recorded for the kit: \(remedy)"
    }
}

/// Why a kit-CA certificate was refused (the `reason` label of the refusal counter).
enum CertificateRefusal: String, CaseIterable, Sendable {
    /// A later enrollment or renewal replaced it.
    case replaced
    /// Issued by the kit CA for this kit but never recorded as its certificate.
    case notRecorded = "not-recorded"
}

/// Back-office routes (cases, conflicts, fleet): the operator token from the server's state
/// directory (`keys/admin.token`).
struct AdminAuthenticationMiddleware: RouterMiddleware {
    typealias Context = SyncRequestContext
    let tokenHash: [UInt8]
    /// Failure budget per client address for wrong operator tokens (shared with the other secrets).
    var throttle = AuthenticationThrottle()

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let token = BearerToken.from(request) else {
            throw HTTPError(.unauthorized, message: "operator token missing or wrong")
        }
        try await throttle.check(
            .operatorToken, tokenIsRight: SecretToken.constantTimeEqual(BearerToken.hash(token), tokenHash),
            context: context, message: "operator token missing or wrong")
        var context = context
        context.isOperator = true
        context.operatorIdentity = .token
        return try await next(request, context)
    }
}

/// Bearer tokens in HTTP requests; generation and hashing are ``SecretToken``'s.
public enum BearerToken {
    public static func generate() -> String { SecretToken.generate() }
    public static func hash(_ token: String) -> [UInt8] { SecretToken.hash(token) }

    static func from(_ request: Request) -> String? {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else { return nil }
        let token = String(header.dropFirst(7))
        return token.isEmpty ? nil : token
    }
}
