/// Why the signature pad could not do what was asked, worded for the clerk or IT staff.
///
/// UnifiedPOS 1.16 device model (error codes in `unifiedPOSCode`) over the Wacom STU HID protocol.
public enum STUPadError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The pad was not opened (call `open()` first).
    case notOpen
    /// The pad is already open.
    case alreadyOpen
    /// The interface was not claimed (call `claim()` first).
    case notClaimed
    /// The pad is not enabled (call `enable()` first).
    case notEnabled
    /// Another operation (e.g. a capture) is running.
    case busy
    /// No supported Wacom STU pad is plugged in.
    case noPadFound
    /// The pad was unplugged (or reset itself); nothing was captured.
    case deviceRemoved
    /// A USB operation failed.
    case usb(USBError)
    /// The pad sent a report that does not follow the STU protocol.
    case protocolError(STUReportError)
    /// The pad refused a command (its Status report named the reason).
    case padRejected(command: String, result: STUResultCode)
    /// The pad stayed busy (e.g. still writing an image) for longer than allowed.
    case padNotReady(STUStatusCode)
    /// The prompt image could not be prepared for this pad.
    case image(STUImageError)
    /// Nobody signed and confirmed within the time allowed.
    case captureTimedOut
    /// The signer pressed "Abbrechen".
    case cancelledBySigner
    /// The capture was cancelled by the program.
    case cancelled
    /// Record or image could not be built or bound to the document.
    case signature(SignatureRecordError)

    public var description: String {
        switch self {
        case .notOpen: return "signature pad is not open"
        case .alreadyOpen: return "signature pad is already open"
        case .notClaimed: return "signature pad is not claimed by this program"
        case .notEnabled: return "signature pad is not enabled"
        case .busy: return "signature pad is busy with another operation"
        case .noPadFound:
            return "no Wacom STU signature pad found (USB 056a:00a4/00a5/00a6/00a8): check the cable, or run lsusb"
        case .deviceRemoved:
            return "the signature pad was unplugged; nothing was captured — plug it in again and repeat the signature"
        case .usb(let error): return "signature pad: \(error)"
        case .protocolError(let error): return "signature pad sent unexpected data: \(error)"
        case .padRejected(let command, let result):
            return "signature pad refused \(command): \(result) (result code \(STUWire.hex(result.rawValue)))"
        case .padNotReady(let status): return "signature pad stayed busy (\(status)); unplug it and plug it in again"
        case .image(let error): return "signature prompt: \(error)"
        case .captureTimedOut: return "no signature was confirmed in time; the capture was stopped"
        case .cancelledBySigner: return "the signer cancelled the signature on the pad"
        case .cancelled: return "the signature capture was cancelled"
        case .signature(let error): return "signature could not be stored: \(error)"
        }
    }

    /// The UnifiedPOS result code closest to this error (101 closed … 114 extended).
    public var unifiedPOSCode: Int {
        switch self {
        case .notOpen: return 101
        case .alreadyOpen: return 106
        case .notClaimed: return 103
        case .notEnabled: return 105
        case .busy: return 113
        case .noPadFound: return 109
        case .deviceRemoved: return 108
        case .usb(let error):
            if error.isDeviceGone { return 108 }
            if error.isTimeout { return 112 }
            return 111
        case .captureTimedOut: return 112
        case .protocolError, .padRejected, .padNotReady, .image, .signature: return 111
        case .cancelledBySigner, .cancelled: return 114
        }
    }
}
