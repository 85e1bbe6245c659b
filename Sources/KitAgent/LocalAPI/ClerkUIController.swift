import Foundation
import Hummingbird

/// The clerk's web page (`/ui/`), served from the agent's own resources with no external assets,
/// so it works without any network. The page is not secret; what it shows comes from the local
/// API, which needs the run's token. `kit-agent ui` prints (or opens) the page's address with the
/// token in the URL fragment, which browsers never send to a server.
struct ClerkUIController {
    static let files: [String: String] = [
        "index.html": "text/html; charset=utf-8",
        "app.js": "text/javascript; charset=utf-8",
        "autolock.js": "text/javascript; charset=utf-8",
        "waysout.js": "text/javascript; charset=utf-8",
        "counter.js": "text/javascript; charset=utf-8",
        "app.css": "text/css; charset=utf-8",
        "icon.svg": "image/svg+xml",
        "photo-step.js": "text/javascript; charset=utf-8",
        "photo-step.css": "text/css; charset=utf-8",
    ]

    /// Only the agent's own scripts, styles and API; no framing by other pages.
    static func contentSecurityPolicy(port: Int) -> String {
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self' ws://127.0.0.1:\(port) ws://localhost:\(port); "
            + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    }

    static func file(_ name: String) -> Data? {
        Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "clerk-ui").flatMap {
            try? Data(contentsOf: $0)
        }
    }

    let port: BoundPort

    func register<Context: RequestContext>(on router: Router<Context>) {
        router.get("/") { _, _ in Response(status: .seeOther, headers: [.location: "/ui/"]) }
        router.get("ui") { _, _ in try serve("index.html") }  // `/ui` and `/ui/`
        router.get("ui/:file") { _, context in try serve(try context.parameters.require("file")) }
    }

    func serve(_ name: String) throws -> Response {
        guard let type = Self.files[name] else { throw HTTPError(.notFound) }
        guard let data = Self.file(name) else {
            throw HTTPError(.internalServerError, message: "the clerk UI's \(name) is missing from this build")
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: type, .cacheControl: "no-store",
                .contentSecurityPolicy: Self.contentSecurityPolicy(port: port.value),
                .xContentTypeOptions: "nosniff",
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
