/// Splits a ZVT-over-TCP byte stream into APDUs (ZVT spec rev. 13.x, TCP/IP transport:
/// bare APDUs, no framing bytes, no checksum). Bytes may arrive split anywhere — a 1.6 KB
/// receipt typically arrives as 1024 bytes plus the rest — so frames are reassembled from
/// the `LEN` field (one byte, or `FF lo hi`).
///
/// Shaped like swift-nio-extras' `LengthFieldBasedFrameDecoder`: `feed(_:)` buffers,
/// `nextFrame()` returns a complete APDU or `nil` for "need more data", and `finish()`
/// reports an unfinished frame at the end of the stream.
public struct ZVTFrameDecoder: Sendable {
    /// Where the decoder is within the current frame.
    public enum State: Sendable, Equatable {
        /// Fewer header bytes than needed to know the frame length.
        case waitingForHeader
        /// Header read; waiting until the whole frame of this many bytes is buffered.
        case waitingForFrame(length: Int)
    }

    /// Current state.
    public private(set) var state: State = .waitingForHeader
    /// Largest accepted frame (header included).
    public let maximumFrameLength: Int

    private var buffer: [UInt8] = []
    private var readIndex = 0

    /// - Parameter maximumFrameLength: frames announcing more bytes are rejected; the default
    ///   is the largest APDU the protocol can express.
    public init(maximumFrameLength: Int = ZVTAPDU.maximumEncodedLength) {
        self.maximumFrameLength = max(3, maximumFrameLength)
    }

    /// Bytes received but not yet returned as frames.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// Appends received bytes.
    public mutating func feed(_ bytes: [UInt8]) {
        if readIndex > 0 && readIndex >= buffer.count / 2 {
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
        buffer += bytes
    }

    /// The next complete APDU's bytes, or `nil` when more data is needed. Throws when a
    /// header announces a frame above `maximumFrameLength`; the stream cannot be resynchronised
    /// after that and the connection should be closed.
    public mutating func nextFrame() throws(ZVTError) -> [UInt8]? {
        let available = buffer.count - readIndex
        let length: Int
        switch state {
        case .waitingForHeader:
            guard let announced = ZVTAPDU.encodedLength(header: buffer[readIndex...]) else { return nil }
            guard announced <= maximumFrameLength else {
                throw .frameTooLong(length: announced, limit: maximumFrameLength)
            }
            length = announced
            state = .waitingForFrame(length: announced)
        case .waitingForFrame(let announced):
            length = announced
        }
        guard available >= length else { return nil }
        let frame = Array(buffer[readIndex..<(readIndex + length)])
        readIndex += length
        state = .waitingForHeader
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        }
        return frame
    }

    /// The next complete APDU, decoded; `nil` when more data is needed.
    public mutating func nextAPDU() throws(ZVTError) -> ZVTAPDU? {
        guard let frame = try nextFrame() else { return nil }
        return try ZVTAPDU.decode(frame)
    }

    /// Call when the connection closed: fails if part of a frame is still buffered.
    public func finish() throws(ZVTError) {
        let left = bufferedByteCount
        guard left == 0 else { throw .leftoverBytes(count: left) }
    }
}
