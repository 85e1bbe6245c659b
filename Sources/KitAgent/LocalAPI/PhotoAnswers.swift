/// What the local API's photo routes answer (`GET /v1/camera/checks`, `POST /v1/cases/{id}/photo`),
/// as `kit-agent photo` reads it.
public struct PhotoAnswer: Decodable, Sendable {
    /// One check with its traffic light (`green`, `amber`, `red`) and the German hint.
    public struct Check: Decodable, Sendable {
        public var check: String
        public var title: String
        public var light: String
        public var passed: Bool
        public var value: Double?
        public var hint: String?
    }

    /// Checks only: whether the photo may be taken now.
    public var acceptable: Bool?
    /// Checks only: the hint to read out first.
    public var hint: String?
    /// Capture only: the outbox seq and transaction id, the image's SHA-256 and size.
    public var seq: UInt64?
    public var txId: String?
    public var imageSHA256: String?
    public var width: Int?
    public var height: Int?
    public var checks: [Check]
}
