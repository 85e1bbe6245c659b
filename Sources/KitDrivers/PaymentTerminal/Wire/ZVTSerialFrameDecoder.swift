/// What the serial decoder found in the byte stream (ZVT spec rev. 13.x, serial transport
/// protocol: data frames and the one-byte ACK/NAK answers).
public enum ZVTSerialEvent: Sendable, Equatable {
    /// A frame with a correct checksum; the payload is the unstuffed APDU. Answer ACK.
    case frame([UInt8])
    /// The other side acknowledged our last frame.
    case ack
    /// The other side asks us to repeat our last frame.
    case nak
    /// A damaged frame (checksum mismatch, bad escape, too long). Answer NAK.
    case rejected(ZVTError)
}

/// Streaming decoder for the ZVT serial link (ZVT spec rev. 13.x, serial transport annex).
/// Bytes between frames that are not ACK/NAK are skipped and counted; a `DLE STX` inside
/// a frame restarts the frame. A damaged frame is reported once it has ended (after its
/// checksum bytes), when the sender listens for the NAK. Returns "need more data" as `nil`.
public struct ZVTSerialFrameDecoder: Sendable {
    /// Where the decoder is in the byte stream.
    public enum State: Sendable, Equatable {
        /// Between frames.
        case idle
        /// Saw DLE between frames; STX starts a frame.
        case sawDLE
        /// Inside a frame.
        case inFrame
        /// Inside a frame, after a DLE.
        case inFrameAfterDLE
        /// After DLE ETX, waiting for the checksum's low byte.
        case waitingForChecksumLow
        /// Waiting for the checksum's high byte.
        case waitingForChecksumHigh(low: UInt8)
        /// Skipping the rest of a damaged frame.
        case skippingFrame
        /// Skipping the rest of a damaged frame, after a DLE.
        case skippingFrameAfterDLE
        /// Skipping the checksum bytes of a damaged frame.
        case skippingChecksum(remaining: Int)
    }

    /// Current state.
    public private(set) var state: State = .idle
    /// Bytes skipped as line noise or as parts of damaged frames since creation.
    public private(set) var discardedByteCount = 0
    /// Largest accepted unstuffed APDU.
    public let maximumFrameLength: Int

    private var input: [UInt8] = []
    private var readIndex = 0
    private var payload: [UInt8] = []
    private var pendingRejection: ZVTError?

    public init(maximumFrameLength: Int = ZVTAPDU.maximumEncodedLength) {
        self.maximumFrameLength = max(3, maximumFrameLength)
    }

    /// Appends received bytes.
    public mutating func feed(_ bytes: [UInt8]) {
        if readIndex > 0 && readIndex >= input.count / 2 {
            input.removeFirst(readIndex)
            readIndex = 0
        }
        input += bytes
    }

    /// The next event, or `nil` when more bytes are needed.
    public mutating func nextEvent() -> ZVTSerialEvent? {
        while readIndex < input.count {
            let byte = input[readIndex]
            readIndex += 1
            if let event = consume(byte) { return event }
        }
        return nil
    }

    private mutating func consume(_ byte: UInt8) -> ZVTSerialEvent? {
        typealias Frame = ZVTSerialFrame
        switch state {
        case .idle:
            switch byte {
            case Frame.ack: return .ack
            case Frame.nak: return .nak
            case Frame.dle: state = .sawDLE
            default: discardedByteCount += 1
            }
        case .sawDLE:
            if byte == Frame.stx {
                startFrame()
            } else {
                discardedByteCount += 1
                state = .idle
                return consume(byte)
            }
        case .inFrame:
            if byte == Frame.dle {
                state = .inFrameAfterDLE
            } else {
                append(byte)
            }
        case .inFrameAfterDLE:
            switch byte {
            case Frame.dle:
                state = .inFrame
                append(byte)
            case Frame.etx:
                state = .waitingForChecksumLow
            case Frame.stx:
                discardedByteCount += payload.count + 2
                startFrame()
            default:
                skipRestOfFrame(because: .serialInvalidEscape(byte: byte), discarding: payload.count + 2)
            }
        case .waitingForChecksumLow:
            state = .waitingForChecksumHigh(low: byte)
        case .waitingForChecksumHigh(let low):
            let received = UInt16(byte) << 8 | UInt16(low)
            let expected = ZVTSerialFrame.checksum(of: payload)
            state = .idle
            let frame = payload
            payload.removeAll(keepingCapacity: true)
            guard received == expected else {
                discardedByteCount += frame.count
                return .rejected(.serialChecksumMismatch(expected: expected, received: received))
            }
            return .frame(frame)
        case .skippingFrame:
            discardedByteCount += 1
            if byte == Frame.dle { state = .skippingFrameAfterDLE }
        case .skippingFrameAfterDLE:
            discardedByteCount += 1
            switch byte {
            case Frame.etx:
                state = .skippingChecksum(remaining: 2)
            case Frame.stx:
                pendingRejection = nil
                discardedByteCount -= 2
                startFrame()
            default:
                state = .skippingFrame
            }
        case .skippingChecksum(let remaining):
            discardedByteCount += 1
            guard remaining <= 1 else {
                state = .skippingChecksum(remaining: remaining - 1)
                return nil
            }
            state = .idle
            let error = pendingRejection
            pendingRejection = nil
            return error.map { .rejected($0) }
        }
        return nil
    }

    private mutating func startFrame() {
        payload.removeAll(keepingCapacity: true)
        state = .inFrame
    }

    private mutating func append(_ byte: UInt8) {
        guard payload.count < maximumFrameLength else {
            skipRestOfFrame(
                because: .frameTooLong(length: payload.count + 1, limit: maximumFrameLength),
                discarding: payload.count + 3)
            return
        }
        payload.append(byte)
    }

    private mutating func skipRestOfFrame(because error: ZVTError, discarding count: Int) {
        discardedByteCount += count
        payload.removeAll(keepingCapacity: true)
        pendingRejection = error
        state = .skippingFrame
    }

    /// Call when the line is closed: fails if a frame was started but not finished.
    public func finish() throws(ZVTError) {
        let pending = input.count - readIndex
        switch state {
        case .idle, .sawDLE:
            guard pending == 0 else { throw .leftoverBytes(count: pending) }
        case .inFrame, .inFrameAfterDLE, .waitingForChecksumLow, .waitingForChecksumHigh, .skippingFrame,
            .skippingFrameAfterDLE, .skippingChecksum:
            throw .leftoverBytes(count: payload.count + pending)
        }
    }
}
