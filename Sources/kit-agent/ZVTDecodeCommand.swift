import ArgumentParser
import Foundation
import KitDrivers

/// `kit-agent zvt decode FILE|HEX`: prints ZVT messages as JSON for IT staff.
struct ZVTDecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode ZVT messages (payment terminal protocol) and print them as JSON.",
        discussion: """
            INPUT is a file (raw bytes, or hex text) or hex on the command line, e.g. \
            "06 01 0A 04 00 00 00 00 12 34 49 09 78". A capture may hold several messages, as sent over \
            TCP or in serial frames (DLE STX … DLE ETX CRC). The output is always a JSON array, one \
            element per message. Card numbers are shown masked only; track data, expiry, CVV and the \
            terminal password are never shown.

            When part of the input cannot be decoded (bytes left over, a value that is not what its \
            field demands, an unknown command), decoding stops after that message, a line on stderr \
            says what was not understood, and the exit status is 1. With --lenient every message is \
            decoded and printed; the stderr lines and exit status 1 remain.
            """
    )

    @Argument(help: "A file with the captured bytes, or the bytes as hex.")
    var input: String

    @Flag(name: .long, help: "Print compact JSON on one line.")
    var compact = false

    @Flag(name: .long, help: "Keep decoding after a message that could only be partly decoded.")
    var lenient = false

    func run() throws {
        let bytes: [UInt8]
        if FileManager.default.fileExists(atPath: input) {
            guard let data = FileManager.default.contents(atPath: input) else {
                throw ValidationError("Cannot read \(input).")
            }
            let raw = [UInt8](data)
            bytes = ZVTCaptureDecoder.bytes(fromHex: String(decoding: raw, as: UTF8.self)) ?? raw
        } else if let parsed = ZVTCaptureDecoder.bytes(fromHex: input) {
            bytes = parsed
        } else {
            throw ValidationError("\(input) is neither a file nor hex bytes.")
        }
        let report = ZVTCaptureDecoder.decode(bytes, lenient: lenient)
        print(report.json.rendered(pretty: !compact))
        for issue in report.issues {
            FileHandle.standardError.write(Data("zvt decode: not decoded: \(issue)\n".utf8))
        }
        if report.stoppedEarly {
            FileHandle.standardError.write(
                Data("zvt decode: stopped after the first undecoded message; --lenient decodes the rest\n".utf8))
        }
        // Still printed above, but a capture with undecoded parts ends with a failure status for scripts.
        if !report.isComplete { throw ExitCode(1) }
    }
}
