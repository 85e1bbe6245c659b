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

    static func make(
        _ method: HTTPMethod, url: String, credentials: KitCredentials, json body: Data?,
        progress: UploadProgress? = nil
    ) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(credentials.apiToken)")
        request.headers.add(name: "User-Agent", value: "kit-agent/\(KitVersion.release)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            // Streamed in chunks, each handed over only when the connection can take it: the end
            // of the request is sent when the bytes have (nearly) left, so the wait for the
            // answer starts then — not while megabytes still queue for a thin link.
            request.body = .stream(ChunkedBody(body, progress: progress), length: .known(Int64(body.count)))
        }
        return request
    }
}

/// A request body as a sequence of chunks for AsyncHTTPClient's back-pressured upload.
struct ChunkedBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    /// Small enough that the last chunk leaves a thin link within seconds.
    static let chunkSize = 16 << 10
    let data: Data
    let progress: UploadProgress?

    init(_ data: Data, progress: UploadProgress? = nil) {
        self.data = data
        self.progress = progress
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        let data: Data
        let progress: UploadProgress?
        var offset: Int

        mutating func next() async -> ByteBuffer? {
            guard offset < data.count else { return nil }
            let end = Swift.min(offset + ChunkedBody.chunkSize, data.count)
            let start = data.startIndex + offset
            let chunk = ByteBuffer(bytes: data[start..<(data.startIndex + end)])
            offset = end
            progress?.noteChunk(bytes: chunk.readableBytes)
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(data: data, progress: progress, offset: 0) }
}
