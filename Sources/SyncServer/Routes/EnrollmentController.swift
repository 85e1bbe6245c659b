import Crypto
import Foundation
import Hummingbird
import KitCore

extension EnrollmentReply: ResponseEncodable {}

/// `POST /v1/enroll`: a kit redeems its one-time token (from `sync-server kits enroll`),
/// registers its signing public key and receives its API token and the server's data key.
struct EnrollmentController {
    let store: any SyncStore
    let dataKey: P256.KeyAgreement.PublicKey

    func register(on router: Router<SyncRequestContext>) {
        router.post("v1/enroll") { request, context -> EnrollmentReply in
            let body = try await request.decode(as: EnrollmentRequest.self, context: context)
            guard let signingKey = try? P256.Signing.PublicKey(x963Representation: body.signingKey) else {
                throw HTTPError(.badRequest, message: "signingKey is not a P-256 public key")
            }
            let apiToken = BearerToken.generate()
            let redeemed = try await store.redeemEnrollment(
                tokenHash: BearerToken.hash(body.token), kitId: body.kitId,
                signingKey: Array(signingKey.x963Representation),
                apiTokenHash: BearerToken.hash(apiToken), now: Date())
            guard redeemed else {
                throw HTTPError(.forbidden, message: "enrollment token unknown, used, expired or for another kit")
            }
            return EnrollmentReply(kitId: body.kitId, apiToken: apiToken, serverDataKey: dataKey.pemRepresentation)
        }
    }
}
