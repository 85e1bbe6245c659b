import Foundation
import Testing

/// `kit-agent zvt decode` as IT staff run it: always a JSON array, a stderr line and exit
/// status 1 for anything left undecoded, `--lenient` to decode past it.
@Suite struct ZVTDecodeCommandTests {
    struct Run {
        let status: Int32
        let output: String
        let errors: String
    }

    static func decode(_ arguments: [String]) throws -> Run? {
        guard let binaries = Binaries.find() else { return nil }
        let process = Process()
        process.executableURL = binaries.kitAgent
        process.arguments = ["zvt", "decode"] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus, output: String(decoding: out, as: UTF8.self),
            errors: String(decoding: err, as: UTF8.self))
    }

    static func messages(_ run: Run) throws -> [[String: Any]] {
        try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [[String: Any]])
    }

    @Test func aRecordedFeigMessageDecodesFullyAsAnArrayOfOne() throws {
        let recording = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("KitDriversTests/PaymentTerminal/Recordings/1680722649.972316000_ecr_pt.blob")
        guard let run = try Self.decode([recording.path, "--compact"]) else { return }
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.errors.isEmpty)
        let messages = try Self.messages(run)
        #expect(messages.count == 1)
        #expect(messages.first?["message"] as? String == "Read card 06 C0")
        #expect(messages.first?["timeout"] as? Int == 15)
    }

    @Test func undecodedInputStopsWithAStderrLineAndStatus1() throws {
        let capture = "04 0F 04 27 00 5F 01 06 0F 00"
        guard let strict = try Self.decode([capture]) else { return }
        #expect(strict.status == 1)
        #expect(try Self.messages(strict).count == 1)
        #expect(strict.errors.contains("message 1 (Status information 04 0F): 2 bytes left undecoded"))
        #expect(strict.errors.contains("--lenient"))

        guard let lenient = try Self.decode([capture, "--lenient"]) else { return }
        #expect(lenient.status == 1)
        #expect(
            try Self.messages(lenient).map { $0["message"] as? String } == [
                "Status information 04 0F", "Completion 06 0F",
            ])
        #expect(!lenient.errors.contains("--lenient"))
    }
}
