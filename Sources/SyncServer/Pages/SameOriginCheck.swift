import Foundation
import Hummingbird

/// Cross-site request forgery defence for the admin pages' POST routes: the browser's `Origin`
/// (or, lacking it, `Referer`) must name this server, as seen in the request's `Host`. Scripts
/// that send neither header are told apart by the caller (OWASP CSRF cheat sheet, "Verifying
/// origin with standard headers").
enum SameOriginCheck {
    enum Verdict: Equatable {
        /// Origin or Referer names this server.
        case sameOrigin
        /// Neither header was sent (curl, scripts).
        case absent
        /// Another site, an opaque origin (`null`), or no Host to compare with.
        case foreign
    }

    static func verdict(_ request: Request) -> Verdict {
        let claimed: String
        if let origin = request.headers[.origin] {
            claimed = origin
        } else if let referer = request.headers[.referer] {
            claimed = referer
        } else {
            return .absent
        }
        guard let authority = request.head.authority, !authority.isEmpty,
            let source = URLComponents(string: claimed), let scheme = source.scheme?.lowercased(),
            let sourceHost = source.host?.lowercased(), !sourceHost.isEmpty,
            let server = URLComponents(string: "\(scheme)://\(authority)"), let serverHost = server.host?.lowercased()
        else {
            return .foreign
        }
        let defaultPort = scheme == "https" ? 443 : scheme == "http" ? 80 : nil
        guard sourceHost == serverHost, (source.port ?? defaultPort) == (server.port ?? defaultPort) else {
            return .foreign
        }
        return .sameOrigin
    }
}
