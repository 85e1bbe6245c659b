import KitDrivers

/// Streaming decoder for the vpcd socket protocol (vsmartcard: 2-byte big-endian length + payload).
///
/// Shaped like swift-nio-extras' LengthFieldBasedFrameDecoder: bytes are appended as they arrive
/// (frames may be split or coalesced arbitrarily), ``nextFrame()`` returns `nil` when more data is
/// needed, and ``finish()`` reports an incomplete frame left over when the connection closes.
public struct VPCDFrameDecoder: Sendable {
    /// Where the decoder stands in the current frame.
    public enum ReadState: Equatable, Sendable {
        /// Waiting for the 2 length bytes.
        case waitingForHeader
        /// Length read; waiting for `length` payload bytes.
        case waitingForFrame(length: Int)
    }

    /// The current read state.
    public private(set) var state: ReadState = .waitingForHeader
    private var buffer: [UInt8] = []
    private var readIndex = 0

    /// Creates an empty decoder.
    public init() {}

    /// Bytes received but not yet returned as a frame.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// Appends bytes read from the socket.
    public mutating func append(_ bytes: [UInt8]) {
        if readIndex > 0 && readIndex >= buffer.count / 2 {
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
        buffer += bytes
    }

    /// The next complete payload, or `nil` if more bytes are needed. A zero-length frame is consumed
    /// and returned as an empty payload.
    public mutating func nextFrame() -> [UInt8]? {
        if case .waitingForHeader = state {
            guard bufferedByteCount >= 2 else { return nil }
            let length = Int(buffer[readIndex]) << 8 | Int(buffer[readIndex + 1])
            readIndex += 2
            state = .waitingForFrame(length: length)
        }
        guard case .waitingForFrame(let length) = state, bufferedByteCount >= length else { return nil }
        let payload = Array(buffer[readIndex..<(readIndex + length)])
        readIndex += length
        state = .waitingForHeader
        return payload
    }

    /// The next complete message, or `nil` if more bytes are needed. A zero-length frame is consumed
    /// and reported as ``VPCDError/emptyPayload``; decoding can continue afterwards.
    public mutating func nextMessage() throws(VPCDError) -> VPCDMessage? {
        guard let payload = nextFrame() else { return nil }
        return try VPCDMessage(payload: payload)
    }

    /// Call when the connection closes: throws if a partial frame is buffered.
    public func finish() throws(VPCDError) {
        let pending: Int
        switch state {
        case .waitingForHeader: pending = bufferedByteCount
        case .waitingForFrame: pending = bufferedByteCount + 2
        }
        guard pending == 0 else { throw .leftoverBytesAtEndOfStream(count: pending) }
    }
}
