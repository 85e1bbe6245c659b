/// Turns a capture (hex text or raw bytes, TCP stream or serial frames) into decoded messages
/// as JSON, for `kit-agent zvt decode` (ZVT spec rev. 13.x: APDU structure and the serial
/// framing annex).
public enum ZVTCaptureDecoder {
    /// Bytes from hex text ("06 01 0A …", "0x06,0x01", line breaks allowed); `nil` when the
    /// text contains anything else or an odd number of digits.
    public static func bytes(fromHex text: String) -> [UInt8]? {
        var digits: [UInt8] = []
        let scalars = Array(text.unicodeScalars)
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "0", index + 1 < scalars.count, scalars[index + 1] == "x" || scalars[index + 1] == "X" {
                index += 2
                continue
            }
            if let digit = hexDigit(scalar) {
                digits.append(digit)
            } else if !(scalar == " " || scalar == "\n" || scalar == "\r" || scalar == "\t" || scalar == ","
                || scalar == ":")
            {
                return nil
            }
            index += 1
        }
        guard digits.count % 2 == 0, !digits.isEmpty else { return nil }
        return stride(from: 0, to: digits.count, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
    }

    private static func hexDigit(_ scalar: Unicode.Scalar) -> UInt8? {
        switch scalar.value {
        case 0x30...0x39: return UInt8(scalar.value - 0x30)
        case 0x41...0x46: return UInt8(scalar.value - 0x41 + 10)
        case 0x61...0x66: return UInt8(scalar.value - 0x61 + 10)
        default: return nil
        }
    }

    /// The APDUs in a capture: serial frames when it starts with DLE STX (or an ACK/NAK byte
    /// followed by DLE STX), else a TCP byte stream. Fails on damaged or unfinished frames.
    public static func frames(_ bytes: [UInt8]) throws(ZVTError) -> [[UInt8]] {
        let split = splitFrames(bytes)
        if let error = split.error { throw error }
        return split.frames
    }

    /// The complete APDUs, and the error that ended the capture early, if any.
    public static func splitFrames(_ bytes: [UInt8]) -> (frames: [[UInt8]], error: ZVTError?) {
        let serial =
            bytes.starts(with: [ZVTSerialFrame.dle, ZVTSerialFrame.stx])
            || (bytes.count > 2 && (bytes[0] == ZVTSerialFrame.ack || bytes[0] == ZVTSerialFrame.nak)
                && bytes[1] == ZVTSerialFrame.dle && bytes[2] == ZVTSerialFrame.stx)
        var frames: [[UInt8]] = []
        if serial {
            var decoder = ZVTSerialFrameDecoder()
            decoder.feed(bytes)
            while let event = decoder.nextEvent() {
                switch event {
                case .frame(let frame): frames.append(frame)
                case .rejected(let error): return (frames, error)
                case .ack, .nak: continue
                }
            }
            do {
                try decoder.finish()
            } catch {
                return (frames, error)
            }
        } else {
            var decoder = ZVTFrameDecoder()
            decoder.feed(bytes)
            do {
                while let frame = try decoder.nextFrame() { frames.append(frame) }
                try decoder.finish()
            } catch {
                return (frames, error)
            }
        }
        return (frames, nil)
    }

    /// Decodes a capture. Without `lenient`, decoding stops after the first message that could
    /// not be decoded completely; with it, every message is decoded. Each message becomes one
    /// array element; an APDU that does not decode, and bytes that end the capture early,
    /// become `{"error": …}` elements.
    public static func decode(_ bytes: [UInt8], lenient: Bool = false) -> ZVTCaptureReport {
        var values: [ZVTJSONValue] = []
        var issues: [ZVTCaptureIssue] = []
        let split = splitFrames(bytes)
        for (index, frame) in split.frames.enumerated() {
            do {
                let message = try ZVTMessage.decode(frame)
                var writer = ZVTJSONWriter()
                values.append(writer.message(message))
                issues += writer.issues.map {
                    ZVTCaptureIssue(messageIndex: index, messageName: message.name, problem: $0)
                }
            } catch {
                values.append(
                    .object([
                        ZVTJSONMember("error", .string(error.description)),
                        ZVTJSONMember("class", .string(frame.first.map { ZVTError.hex($0) } ?? "")),
                        ZVTJSONMember("length", .number(frame.count)),
                    ]))
                issues.append(
                    ZVTCaptureIssue(
                        messageIndex: index,
                        messageName: frame.prefix(2).map { ZVTError.hex($0) }.joined(separator: " "),
                        problem: error.description))
            }
            if !lenient, !issues.isEmpty {
                return ZVTCaptureReport(messages: values, issues: issues, stoppedEarly: index < split.frames.count - 1)
            }
        }
        if let error = split.error {
            values.append(.object([ZVTJSONMember("error", .string(error.description))]))
            issues.append(
                ZVTCaptureIssue(messageIndex: split.frames.count, messageName: nil, problem: error.description))
        }
        return ZVTCaptureReport(messages: values, issues: issues, stoppedEarly: false)
    }

    /// Decodes every message of a capture and renders them as a JSON array (lenient).
    public static func renderJSON(_ bytes: [UInt8], pretty: Bool = true) -> String {
        decode(bytes, lenient: true).json.rendered(pretty: pretty)
    }

    /// Whether every byte of the capture decoded into messages with nothing left undecoded.
    public static func decodesCompletely(_ bytes: [UInt8]) -> Bool {
        decode(bytes, lenient: false).issues.isEmpty
    }
}

/// One part of a capture that could not be decoded, for a line on stderr.
public struct ZVTCaptureIssue: Sendable, Equatable, CustomStringConvertible {
    /// Position of the message in the capture, from 0.
    public let messageIndex: Int
    /// The message name, or the control bytes when the message did not decode at all.
    public let messageName: String?
    /// What was not understood.
    public let problem: String

    public var description: String {
        let which = messageName.map { "message \(messageIndex + 1) (\($0))" } ?? "after message \(messageIndex)"
        return "\(which): \(problem)"
    }
}

/// The result of decoding a capture: one JSON element per message, and what was left undecoded.
public struct ZVTCaptureReport: Sendable, Equatable {
    /// One element per message, in capture order.
    public let messages: [ZVTJSONValue]
    /// Everything that could not be decoded.
    public let issues: [ZVTCaptureIssue]
    /// True when decoding stopped at an undecoded message before the end of the capture.
    public let stoppedEarly: Bool

    /// The messages as a JSON array (also for a single message).
    public var json: ZVTJSONValue { .array(messages) }

    /// Whether every byte was understood.
    public var isComplete: Bool { issues.isEmpty }
}
