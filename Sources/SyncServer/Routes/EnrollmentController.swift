import Crypto
import Foundation
import Hummingbird
import KitCore
import Logging
import SwiftASN1
import X509

extension EnrollmentReply: ResponseEncodable {}

/// `POST /v1/enroll`: a kit redeems its one-time token (from `sync-server kits enroll`), registers
/// its signing public key, has the kit CA sign its TLS certificate request and receives its client
/// certificate, the CA certificate to pin, its API token and the server's data key.
///
/// Reachable without a client certificate (the kit has none yet), but only over TLS unless TLS is
/// turned off for local development.
struct EnrollmentController {
    let store: any SyncStore
    let dataKey: P256.KeyAgreement.PublicKey
    let authority: KitCertificateAuthority
    let clientCertificateValidity: TimeInterval
    /// Failure budget per client address for wrong enrollment tokens (shared with the other secrets).
    var throttle = AuthenticationThrottle()

    func register(on router: Router<SyncRequestContext>) {
        router.post("v1/enroll") { request, context -> EnrollmentReply in
            let body = try await request.decode(as: EnrollmentRequest.self, context: context)
            guard let signingKey = try? P256.Signing.PublicKey(x963Representation: body.signingKey) else {
                throw HTTPError(.badRequest, message: "signingKey is not a P-256 public key")
            }
            // The request is checked before the token is spent, so a broken request can be retried.
            let now = Date()
            let certificate: Certificate
            do {
                certificate = try authority.issueClientCertificate(
                    csrPEM: body.csr, kitId: body.kitId, validity: clientCertificateValidity, now: now)
            } catch let error as CertificateIssuanceError {
                throw HTTPError(.badRequest, message: error.description)
            }
            let record: KitCertificateRecord
            do {
                record = try KitCertificateRecord(issued: certificate, kitId: body.kitId, origin: .enrollment, at: now)
            } catch {
                throw HTTPError(.internalServerError, message: "the issued certificate cannot be encoded")
            }
            let apiToken = BearerToken.generate()
            // The certificate is recorded with the kit: from now on only it is accepted, and a
            // certificate from an earlier enrollment of the same kit id is refused.
            let redeemed = try await store.redeemEnrollment(
                tokenHash: BearerToken.hash(body.token), kitId: body.kitId,
                signingKey: Array(signingKey.x963Representation),
                apiTokenHash: BearerToken.hash(apiToken), certificate: record, now: now)
            guard redeemed else {
                try await throttle.check(
                    .enrollmentToken, tokenIsRight: false, context: context,
                    message: "enrollment token unknown, used, expired or for another kit", status: .forbidden)
                throw HTTPError(.forbidden, message: "enrollment token unknown, used, expired or for another kit")
            }
            context.logger.notice(
                "kit enrolled",
                metadata: [
                    "kit": "\(body.kitId)", "certificateSerial": "\(certificate.serialNumber)",
                    "notValidAfter": "\(certificate.notValidAfter)",
                ])
            return EnrollmentReply(
                kitId: body.kitId, apiToken: apiToken, serverDataKey: dataKey.pemRepresentation,
                clientCertificate: try certificate.serializeAsPEM().pemString,
                caCertificate: authority.certificatePEM)
        }
    }
}
