import Foundation
import Hummingbird
import KitCore
import Logging
import NIOCore
import X509

extension CertificateRenewalReply: ResponseEncodable {}

/// `POST /v1/kits/{kit}/certificate`: a kit presenting its current client certificate and its API
/// token sends a PKCS#10 request (CN = kit id; the agent uses a new key each time) and receives a
/// new client certificate. The server records the new certificate as the kit's current one in the
/// same transaction that marks the old one replaced, so from the moment of the answer only the new
/// one is accepted on kit routes.
///
/// Crash safety (the kit dies, or the answer is lost, after the server recorded the new
/// certificate but before the kit stored it): the kit keeps its next key on disk *before* it sends
/// the request and sends a request for that same key again on its next attempt, still presenting
/// the old certificate. This route (and only this one) then accepts the old certificate if it is
/// the one the kit's latest renewal replaced and the request is signed with the key of the
/// current certificate: the server answers with the already recorded certificate again
/// (`recovered: true`) instead of issuing another. Holding the new private key is what proves the
/// kit is the one that renewed; the old certificate alone gets nothing.
struct CertificateRenewalController {
    let store: any SyncStore
    let authority: KitCertificateAuthority
    let validity: TimeInterval
    let metrics: ServerMetrics

    /// Largest request body accepted (a renewal request is well under 1 KiB).
    static let maximumBodyBytes = 16 * 1024

    func register(on group: RouterGroup<SyncRequestContext>) {
        group.post("kits/:kit/certificate") { request, context -> CertificateRenewalReply in
            let kitId = try KitSyncController.kit(context)
            guard try context.parameters.require("kit") == kitId else {
                throw HTTPError(.forbidden, message: "a kit can only renew its own certificate")
            }
            // Larger bodies are answered 413 (NIOTooManyBytesError) before anything is parsed.
            let buffer = try await request.body.collect(upTo: Self.maximumBodyBytes)
            let body: CertificateRenewalRequest
            do {
                body = try WireCoding.decoder().decode(
                    CertificateRenewalRequest.self, from: Data(buffer.readableBytesView))
            } catch {
                throw HTTPError(
                    .badRequest, message: "the body is not a certificate renewal request (JSON object with \"csr\")")
            }
            return try await renew(kitId: kitId, csrPEM: body.csr, context: context)
        }
    }

    func renew(kitId: String, csrPEM: String, context: SyncRequestContext) async throws -> CertificateRenewalReply {
        let requestKey: [UInt8]
        do {
            let request = try KitCertificateAuthority.verifiedRequest(csrPEM: csrPEM, kitId: kitId)
            requestKey = PresentedCertificate.publicKeySHA256(of: request.publicKey)
        } catch {
            throw HTTPError(.badRequest, message: Self.message(error, kitId: kitId))
        }
        if case .replaced(let presented, let replaced, let current) = context.certificate {
            return try recover(
                presented: presented, replaced: replaced, current: current, requestKey: requestKey, context: context)
        }
        // The certificate this renewal replaces: the presented one (current or, for kits enrolled
        // before certificates were recorded, none on record); without TLS the recorded one.
        let replacing: String?
        switch context.certificate {
        case .current(_, let record): replacing = record.serial
        case .unrecorded: replacing = nil
        case .replaced, .none:
            replacing = try await store.kitCertificates(kitId: kitId, serial: "").first(where: \.isCurrent)?.serial
        }
        let now = Date()
        let certificate: Certificate
        let record: KitCertificateRecord
        do {
            certificate = try authority.issueClientCertificate(
                csrPEM: csrPEM, kitId: kitId, validity: validity, now: now)
            record = try KitCertificateRecord(issued: certificate, kitId: kitId, origin: .renewal, at: now)
        } catch let error as CertificateIssuanceError {
            throw HTTPError(.badRequest, message: Self.message(error, kitId: kitId))
        } catch {
            throw HTTPError(.internalServerError, message: "the issued certificate cannot be encoded: \(error)")
        }
        guard try await store.replaceKitCertificate(kitId: kitId, replacing: replacing, with: record) else {
            throw HTTPError(
                .conflict,
                message:
                    "the kit's certificate changed while this renewal was decided (another renewal or a re-enrollment): "
                    + "try again with the certificate the kit holds now")
        }
        metrics.countCertificateRenewal(recovered: false)
        context.logger.notice(
            "kit certificate renewed",
            metadata: [
                "kit": "\(kitId)", "replacedSerial": "\(replacing ?? "none recorded")",
                "certificateSerial": "\(record.serial)", "notValidAfter": "\(record.notValidAfter)",
            ])
        return CertificateRenewalReply(
            clientCertificate: record.certificatePEM, caCertificate: authority.certificatePEM,
            notValidAfter: record.notValidAfter, recovered: false)
    }

    /// The kit presents the certificate its latest renewal replaced: it hands the renewed
    /// certificate out again if the request proves the kit holds that certificate's key.
    func recover(
        presented: PresentedCertificate, replaced: KitCertificateRecord, current: KitCertificateRecord?,
        requestKey: [UInt8], context: SyncRequestContext
    ) throws -> CertificateRenewalReply {
        guard let current, current.origin == .renewal, replaced.replacedBy == current.serial,
            current.publicKeySHA256 == requestKey
        else {
            let middleware = KitAuthenticationMiddleware(store: store, requireClientCertificate: true, metrics: metrics)
            throw middleware.refusal(presented, replaced: replaced, current: current, context: context)
        }
        metrics.countCertificateRenewal(recovered: true)
        context.logger.notice(
            "kit certificate handed out again: the kit did not store its last renewal",
            metadata: [
                "kit": "\(current.kitId)", "presentedSerial": "\(presented.serial)",
                "certificateSerial": "\(current.serial)",
            ])
        return CertificateRenewalReply(
            clientCertificate: current.certificatePEM, caCertificate: authority.certificatePEM,
            notValidAfter: current.notValidAfter, recovered: true)
    }

    static func message(_ error: CertificateIssuanceError, kitId: String) -> String {
        switch error {
        case .wrongSubject(_, let found):
            return
                "the certificate request names kit \(found ?? "(no common name)") but this connection is kit \(kitId): "
                + "a kit can only renew its own certificate"
        default:
            return error.description
        }
    }
}
