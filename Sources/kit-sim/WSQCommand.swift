import ArgumentParser
import Foundation
import KitDrivers
import KitSimulators

/// `kit-sim wsq`: the kit's own WSQ encoder and decoder on image files (issue #18), so that the
/// encoder can be checked on real scanner captures against NIST's NBIS (`cwsq`/`dwsq`, or PyPI
/// `wsq` with Pillow) — the kit encodes finger images the same way inside the agent.
struct WSQCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wsq",
        abstract: "Encode a greyscale capture (binary PGM) to WSQ with the kit's encoder, or decode WSQ to PGM.",
        discussion: """
            kit-sim wsq encode capture.pgm --out capture.wsq [--bit-rate 0.75] [--ppi 500]
            kit-sim wsq decode capture.wsq --out decoded.pgm
            Prints sizes, the compression ratio and the time the codec took (debug builds are slower: \
            compare with NBIS using a release build, swift build -c release).
            """,
        subcommands: [Encode.self, Decode.self]
    )

    struct Encode: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Binary PGM (8-bit) in, WSQ out.")

        @Argument(help: "The capture: a binary PGM file (P5, 8 bit).") var input: String
        @Option(help: "The WSQ file to write.") var out: String
        @Option(help: "Bit rate (FBI: 0.75 for about 15:1, 2.25 for about 5:1).") var bitRate = 0.75
        @Option(help: "Resolution written into the WSQ header.") var ppi = 500

        func run() throws {
            let bytes = try WSQCommand.read(input)
            let image: FingerprintImage
            do { image = try PGMFile.decode(bytes) } catch { throw ValidationError("\(input): \(error)") }
            let clock = ContinuousClock()
            var encoded: [UInt8] = []
            let took = try clock.measure {
                do {
                    encoded = try WSQEncoder.encode(
                        pixels: image.pixels, width: image.width, height: image.height, ppi: ppi, bitRate: bitRate)
                } catch {
                    throw ValidationError("\(input): \(error)")
                }
            }
            try Data(encoded).write(to: URL(fileURLWithPath: out))
            let ratio = Double(image.pixels.count) / Double(max(encoded.count, 1))
            print(
                "wsq: \(input) \(image.width)x\(image.height) (\(image.pixels.count) bytes) -> \(out) "
                    + "\(encoded.count) bytes, \(String(format: "%.1f", ratio)):1, encoded in \(took)")
        }
    }

    struct Decode: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "WSQ in, binary PGM out.")

        @Argument(help: "The WSQ file.") var input: String
        @Option(help: "The PGM file to write.") var out: String

        func run() throws {
            let bytes = try WSQCommand.read(input)
            let clock = ContinuousClock()
            var image: FingerprintImage?
            let took = try clock.measure {
                do {
                    let decoded = try WSQDecoder.decode(bytes)
                    image = FingerprintImage(width: decoded.width, height: decoded.height, pixels: decoded.pixels)
                } catch {
                    throw ValidationError("\(input): \(error)")
                }
            }
            guard let image else { return }
            try Data(image.pgm).write(to: URL(fileURLWithPath: out))
            print("wsq: \(input) -> \(out) \(image.width)x\(image.height), decoded in \(took)")
        }
    }

    static func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("\(path) cannot be read (missing, or no permission)")
        }
        return Array(data)
    }
}
