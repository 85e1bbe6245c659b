import Foundation
import KitSimulators
import KitTestSupport
import Testing

@testable import KitDrivers

/// `kit-sim wsq` reads real captures as binary PGM (issue #18): the reader and the command.
@Suite("PGM captures and kit-sim wsq")
struct PGMFileTests {
    @Test func aPGMWithCommentsIsRead() throws {
        let bytes = Array("P5\n# scanner: test\n3 2\n# 8 bit\n255\n".utf8) + [0, 1, 2, 253, 254, 255]
        let image = try PGMFile.decode(bytes)
        #expect(image.width == 3 && image.height == 2)
        #expect(image.pixels == [0, 1, 2, 253, 254, 255])
    }

    @Test("a smaller maxval is scaled to the full 8 bits")
    func maxvalIsScaled() throws {
        let image = try PGMFile.decode(Array("P5 2 1 15 ".utf8) + [0, 15])
        #expect(image.pixels == [0, 255])
    }

    @Test("what the kit writes (FingerprintImage.pgm) reads back the same")
    func roundTrip() throws {
        let image = FingerprintSynthesizer().generate(seed: 7)
        #expect(try PGMFile.decode(image.pgm) == image)
    }

    static let hostile: [[UInt8]] = {
        let headers: [String] = [
            "", "P2\n1 1\n255\n0", "P5", "P5\n", "P5\n-3 2\n255\n", "P5\n0 2\n255\n", "P5\n99999999 2\n255\n",
            "P5\n9999 9999\n255\n", "P5\n2 2\n65535\n", "P5\n2 2\n0\n", "P5\n2 2\n255", "P5\n# only a comment",
            "P5\n2 x\n255\n",
        ]
        var files = headers.map { Array($0.utf8) }
        files.append(Array("P6\n1 1\n255\n".utf8) + [0, 0, 0])
        files.append(Array("P5\n2 2\n255\n".utf8) + [1, 2, 3])
        return files
    }()

    @Test("hostile files end in a PGMFile.Error", arguments: Self.hostile)
    func hostileFilesAreRefused(bytes: [UInt8]) {
        #expect(throws: PGMFile.Error.self) { try PGMFile.decode(bytes) }
    }

    @Test("every cut of a valid file is refused or read, never a crash")
    func everyCut() {
        let bytes = FingerprintSynthesizer().generate(seed: 3).pgm
        for length in stride(from: 0, to: bytes.count, by: 97) {
            _ = try? PGMFile.decode(Array(bytes.prefix(length)))
        }
        #expect(throws: PGMFile.Error.truncated(expected: bytes.count - 15, found: bytes.count - 16)) {
            try PGMFile.decode(Array(bytes.dropLast()))
        }
    }

    /// The command on a synthesized capture: the WSQ file it writes is read by the kit's decoder
    /// and by NIST's NBIS (PyPI `wsq` through Pillow), with the original's size and a PSNR above 30 dB.
    @Test func kitSimWSQEncodesACaptureThatNBISReads() throws {
        let binary = try #require(
            try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"), "cannot find the test binary")
        var folder = URL(fileURLWithPath: binary).deletingLastPathComponent()
        while !FileManager.default.isExecutableFile(atPath: folder.appendingPathComponent("kit-sim").path),
            folder.path != "/"
        {
            folder.deleteLastPathComponent()
        }
        let kitSim = folder.appendingPathComponent("kit-sim")
        try #require(FileManager.default.isExecutableFile(atPath: kitSim.path), "kit-sim is not built")
        let work = URL(fileURLWithPath: temporaryPath("kit-sim-wsq"))
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let image = FingerprintSynthesizer().generate(seed: 11)
        let pgm = work.appendingPathComponent("capture.pgm")
        let wsq = work.appendingPathComponent("capture.wsq")
        try Data(image.pgm).write(to: pgm)

        let (status, output) = try runToEnd(kitSim, ["wsq", "encode", pgm.path, "--out", wsq.path])
        #expect(status == 0, "\(output)")
        #expect(output.contains("\(image.width)x\(image.height)"), "\(output)")
        let decoded = try WSQDecoder.decode(Array(try Data(contentsOf: wsq)))
        #expect(decoded.width == image.width && decoded.height == image.height)

        // NIST's decoder: PyPI wsq registers a WSQ plug-in in Pillow.
        let python = try #require(python3OnPath, "python3 is not on PATH")
        let check = """
            import sys, math, wsq
            from PIL import Image
            nbis = Image.open(sys.argv[1]); nbis.load()
            original = open(sys.argv[2], "rb").read()[-nbis.size[0] * nbis.size[1]:]
            error = sum((a - b) ** 2 for a, b in zip(nbis.tobytes(), original)) / len(original)
            print("size=%dx%d psnr=%.1f" % (nbis.size[0], nbis.size[1], 10 * math.log10(255 ** 2 / max(error, 1e-9))))
            """
        let (nbisStatus, nbisOutput) = try runToEnd(python, ["-c", check, wsq.path, pgm.path])
        #expect(nbisStatus == 0, "NBIS could not read kit-sim's WSQ: \(nbisOutput)")
        #expect(nbisOutput.contains("size=\(image.width)x\(image.height)"), "\(nbisOutput)")
        let psnr = nbisOutput.split(separator: "=").last.flatMap {
            Double($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        #expect((psnr ?? 0) > 30, "\(nbisOutput)")

        // A file that is not a PGM: one clear line, exit code not 0, nothing written.
        let bad = work.appendingPathComponent("photo.jpg")
        try Data([0xFF, 0xD8, 0xFF, 0xE0]).write(to: bad)
        let (badStatus, badOutput) = try runToEnd(
            kitSim, ["wsq", "encode", bad.path, "--out", work.appendingPathComponent("x.wsq").path])
        #expect(badStatus != 0)
        #expect(badOutput.contains("not a binary PGM file"), "\(badOutput)")
        #expect(!FileManager.default.fileExists(atPath: work.appendingPathComponent("x.wsq").path))
    }
}
