/// A link that carries whole ZVT APDUs between ECR and terminal (ZVT spec rev. 13.x, transport
/// chapters): TCP/IP with bare APDUs, or RS-232 with DLE framing, CRC and ACK/NAK.
///
/// `receive` returns the bytes of one APDU exactly as framed by the link (their content is the
/// session's business, so hostile content reaches the session as bytes, not as a crash here).
public protocol ZVTTransport: Actor {
    /// Where the terminal is, for messages ("192.168.1.50:20007", "/dev/ttyUSB0").
    nonisolated var endpointDescription: String { get }
    /// Whether the link is open.
    var isOpen: Bool { get }
    /// Opens the link; a no-op when it is open.
    func open() async throws(ZVTTransportError)
    /// Sends one APDU (serial: waits for the frame's ACK, repeating on NAK).
    func send(_ apdu: [UInt8]) async throws(ZVTTransportError)
    /// The next APDU, or `nil` when none arrived within `timeout`.
    func receive(timeout: Duration) async throws(ZVTTransportError) -> [UInt8]?
    /// Closes the link; safe to call twice.
    func close()
}
