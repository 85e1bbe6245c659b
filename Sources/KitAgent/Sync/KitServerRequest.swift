import AsyncHTTPClient
import Foundation
import KitCore
import NIOCore
import NIOHTTP1

/// A request to the sync server on the kit's behalf: the server's URL, the kit's API token, the
/// agent's user agent and, with a body, JSON. The TLS client (with the kit's certificate) comes
/// from ``ServerConnection``.
enum KitServerRequest {
    static func url(_ credentials: KitCredentials, path: String) -> String {
        credentials.serverURL.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + path
    }

    static func make(_ method: HTTPMethod, url: String, credentials: KitCredentials, json body: Data?)
        -> HTTPClientRequest
    {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(credentials.apiToken)")
        request.headers.add(name: "User-Agent", value: "kit-agent/\(KitVersion.release)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        return request
    }
}
