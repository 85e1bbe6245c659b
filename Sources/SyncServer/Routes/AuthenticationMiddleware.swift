import Crypto
import Hummingbird
import KitCore

/// Kit routes: the connection must carry a client certificate from the kit CA (verified in the TLS
/// handshake; expired or foreign certificates never get this far) whose common name is the kit id,
/// and the request the kit's API token (issued at enrollment, stored hashed) for the same kit.
/// Requests without a certificate, and unknown and revoked kits, are refused before any handler
/// runs. Only with `tls.enabled=false` (local development) is the API token enough.
struct KitAuthenticationMiddleware: RouterMiddleware {
    typealias Context = SyncRequestContext
    let store: any SyncStore
    let requireClientCertificate: Bool

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var certificateKitId: String?
        if requireClientCertificate {
            guard let kitId = await ClientCertificateIdentity.kitId(on: context.channel) else {
                throw HTTPError(
                    .unauthorized, message: "a client certificate from this server's kit CA is required: enroll the kit"
                )
            }
            certificateKitId = kitId
        }
        guard let token = BearerToken.from(request) else {
            throw HTTPError(.unauthorized, message: "kit API token missing")
        }
        guard let kit = try await store.kit(apiTokenHash: BearerToken.hash(token)) else {
            throw HTTPError(.unauthorized, message: "unknown or revoked kit")
        }
        if let certificateKitId, certificateKitId != kit.kitId {
            throw HTTPError(.forbidden, message: "the client certificate and the API token belong to different kits")
        }
        var context = context
        context.kitId = kit.kitId
        return try await next(request, context)
    }
}

/// Back-office routes (cases, conflicts, fleet): the operator token from the server's state
/// directory (`keys/admin.token`).
struct AdminAuthenticationMiddleware: RouterMiddleware {
    typealias Context = SyncRequestContext
    let tokenHash: [UInt8]

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let token = BearerToken.from(request), SecretToken.constantTimeEqual(BearerToken.hash(token), tokenHash)
        else {
            throw HTTPError(.unauthorized, message: "operator token missing or wrong")
        }
        var context = context
        context.isOperator = true
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
