/// The sizes a sync server accepts, announced in `GET /v1/version` (`limits`) and in the
/// `Kit-Ingest-Max-Bytes` header of every ingest answer. The kit fills a request up to
/// ``maxRequestBytes`` and refuses to record a transaction larger than ``maxEnvelopeBytes``.
public struct IngestLimits: Codable, Sendable, Equatable {
    /// Most bytes of one `POST /v1/ingest` body (JSON, envelopes in base64).
    public var maxRequestBytes: Int
    /// Largest single envelope that fits a request on its own.
    public var maxEnvelopeBytes: Int

    public init(maxRequestBytes: Int) {
        self.maxRequestBytes = maxRequestBytes
        self.maxEnvelopeBytes = Self.largestEnvelope(inRequestOf: maxRequestBytes)
    }

    /// The server's default (`ingest.maxRequestBytes`): 64 MiB, room for a finger set at high
    /// resolution or a photo (a few MB) with a wide margin.
    public static let defaultMaxRequestBytes = 64 << 20
    /// What a kit assumes before it has heard from its server.
    public static let `default` = IngestLimits(maxRequestBytes: defaultMaxRequestBytes)
    /// Bytes a request needs besides its envelopes: the JSON frame and the kit's report.
    public static let requestOverhead = 16 << 10
    /// The response header that carries ``maxRequestBytes`` on every ingest answer.
    public static let headerName = "Kit-Ingest-Max-Bytes"

    /// Bytes one envelope takes in a request: base64 plus quotes and a comma.
    public static func encodedSize(ofEnvelope bytes: Int) -> Int {
        (bytes + 2) / 3 * 4 + 3
    }

    /// The largest envelope whose encoding fits a request of `requestBytes` alone.
    public static func largestEnvelope(inRequestOf requestBytes: Int) -> Int {
        max(0, (requestBytes - requestOverhead - 3) / 4 * 3)
    }
}
