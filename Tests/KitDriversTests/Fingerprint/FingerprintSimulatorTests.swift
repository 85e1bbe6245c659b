import KitSimulators
import Testing

@testable import KitDrivers

@Suite("kit-sim fingerprint scripts and wire format")
struct FingerprintSimulatorTests {
    @Test("a sequence parses into steps with deterministic seeds")
    func sequence() throws {
        let script = try FingerprintSimulatorScript(
            sequence: "clean,smudged:42,partial pattern=whorl,retry:center,error,remove,empty,sliver,truncated:99",
            firstSeed: 10)
        #expect(script.steps.count == 9)
        #expect(script.steps[0] == .image(FingerprintSimulatorImage(picture: .finger(.none), seed: 10)))
        #expect(script.steps[1] == .image(FingerprintSimulatorImage(picture: .finger(.smudged), seed: 42)))
        #expect(
            script.steps[2] == .image(FingerprintSimulatorImage(picture: .finger(.partial), seed: 12, pattern: .whorl)))
        #expect(script.steps[3] == .retry(.centerFinger))
        #expect(script.steps[4] == .error(code: 5))
        #expect(script.steps[5] == .remove)
        #expect(script.steps.filter(\.endsCapture).count == 9)
        guard case .truncated(_, let bytes) = script.steps[8] else {
            Issue.record("expected a truncated step")
            return
        }
        #expect(bytes == 99)
    }

    @Test("a script file allows comments, blank lines, options and auxiliary steps")
    func file() throws {
        let text = """
            # left index finger
            clean seed=3 size=320x400   # good one
            wait:250

            detection:off
            finger:on
            dark
            finger:off
            reconnect
            """
        let script = try FingerprintSimulatorScript(parsing: text)
        #expect(
            script.steps == [
                .image(FingerprintSimulatorImage(picture: .finger(.none), seed: 3, width: 320, height: 400)),
                .wait(milliseconds: 250), .fingerDetection(false), .finger(present: true),
                .image(FingerprintSimulatorImage(picture: .finger(.tooDark), seed: 2)), .finger(present: false),
                .reconnect,
            ])
    }

    @Test("bad steps are refused with the line and the reason")
    func badSteps() {
        #expect(
            throws: FingerprintSimulatorError.invalidStep(
                location: "line 2", text: "jump", reason: "unknown step \"jump\"")
        ) {
            try FingerprintSimulatorScript(parsing: "clean\njump")
        }
        for bad in [
            "clean size=10x10", "clean pattern=spiral", "clean seed=x", "retry:sideways", "wait", "wait:-1",
            "detection:maybe", "error:99999999999", "clean junk", ":",
        ] {
            #expect(throws: FingerprintSimulatorError.self, "\(bad)") { try FingerprintSimulatorScript(sequence: bad) }
        }
    }

    @Test("random script text never crashes the parser")
    func fuzz() {
        var random = SeededRandom(seed: 3)
        let alphabet = Array("clean smudged:=x0123456789,#\n retry wait size pattern=-:".unicodeScalars)
        for _ in 0..<3000 {
            let length = Int(random.next() % 40)
            var text = ""
            for _ in 0..<length { text.unicodeScalars.append(alphabet[Int(random.next() % UInt64(alphabet.count))]) }
            _ = try? FingerprintSimulatorScript(parsing: text)
            _ = try? FingerprintSimulatorScript(sequence: text)
        }
    }

    @Test("wire format: two native-endian ints, then the pixels; commands are negative; truncation is short")
    func wire() {
        let image = FingerprintImage(width: 2, height: 3, pixels: [1, 2, 3, 4, 5, 6])
        let frame = FingerprintVirtualImageWire.frame(image)
        #expect(frame.count == 8 + 6)
        let header = frame.prefix(8).withUnsafeBytes { raw in
            (raw.loadUnaligned(as: Int32.self), raw.loadUnaligned(fromByteOffset: 4, as: Int32.self))
        }
        #expect(header.0 == 2 && header.1 == 3)
        #expect(Array(frame.suffix(6)) == image.pixels)
        #expect(FingerprintVirtualImageWire.bytes(for: .remove) == FingerprintVirtualImageWire.header(-5, 0))
        #expect(
            FingerprintVirtualImageWire.bytes(for: .retry(.removeFinger)) == FingerprintVirtualImageWire.header(-1, 3))
        #expect(
            FingerprintVirtualImageWire.bytes(for: .finger(present: true)) == FingerprintVirtualImageWire.header(-4, 1))
        #expect(FingerprintVirtualImageWire.bytes(for: .wait(milliseconds: 5)) == nil)
        let small = FingerprintSimulatorImage(picture: .finger(.none), seed: 1, width: 32, height: 32)
        #expect(FingerprintVirtualImageWire.bytes(for: .truncated(small, bytes: 10))?.count == 18)
        #expect(FingerprintVirtualImageWire.bytes(for: .truncated(small, bytes: 1_000_000))?.count == 8 + 32 * 32 - 1)
        #expect(
            FingerprintVirtualImageWire.bytes(for: .image(FingerprintSimulatorImage(picture: .empty, seed: 0)))
                == FingerprintVirtualImageWire.header(0, 0))
        #expect(
            FingerprintVirtualImageWire.bytes(for: .image(FingerprintSimulatorImage(picture: .sliver, seed: 0)))?.count
                == 8 + 5000)
    }

    @Test("the simulator refuses a socket path too long for a Unix address, and reports a missing listener")
    func connectErrors() async {
        let long = "/tmp/" + String(repeating: "x", count: 120)
        let simulator = FingerprintVirtualImageSimulator(
            socketPath: long, script: FingerprintSimulatorScript(steps: []), connectTimeout: .milliseconds(100))
        await #expect(throws: FingerprintSimulatorError.socketPathTooLong(long)) { try await simulator.connect() }
        let missing = FingerprintVirtualImageSimulator(
            socketPath: "/tmp/kit-fp-nobody-listens.sock", script: FingerprintSimulatorScript(steps: [.remove]),
            connectTimeout: .milliseconds(200))
        await #expect(throws: FingerprintSimulatorError.self) { try await missing.sendNextCapture() }
    }
}
