// FingerprintBench: WSQ encoding time of our encoder against NIST's NBIS encoder (PyPI `wsq`, a
// Pillow plugin), measured in the same run on the same 500 ppi 512×512 synthetic fingerprint.
//
// Each run times N encodes with our encoder (ContinuousClock, in process) and N encodes with NBIS in
// one Python process (time.perf_counter around the loop, so interpreter start-up is not counted):
// once through Pillow's `Image.save(buf, "WSQ")`, the reference for the goal, and once through the
// plugin's C function `_wsq.compress` alone (NBIS without Pillow's pixel copying). Every run starts
// with an untimed warm-up encode. The table shows each run and the median over the runs; the
// ratio is ours ÷ NBIS (goal ≤ 1.0).
//
// Usage: FingerprintBench [--runs R] [--reps N] [--python PATH] [--bit-rate B]
import BenchmarkSupport
import Foundation
import KitDrivers
import KitSimulators

struct BenchOptions {
    var runs = 5
    var repetitions = 20
    var python = "python3"
    var bitRate = 0.75

    init(arguments: [String]) throws {
        var index = 1
        func value() throws -> String {
            index += 1
            guard index < arguments.count else { throw BenchError.usage("\(arguments[index - 1]) needs a value") }
            return arguments[index]
        }
        while index < arguments.count {
            switch arguments[index] {
            case "--runs":
                guard let parsed = Int(try value()), parsed > 0 else { throw BenchError.usage("--runs must be > 0") }
                runs = parsed
            case "--reps":
                guard let parsed = Int(try value()), parsed > 0 else { throw BenchError.usage("--reps must be > 0") }
                repetitions = parsed
            case "--python": python = try value()
            case "--bit-rate":
                guard let parsed = Double(try value()), parsed > 0 else {
                    throw BenchError.usage("--bit-rate must be > 0")
                }
                bitRate = parsed
            case "-h", "--help":
                throw BenchError.usage("FingerprintBench [--runs R] [--reps N] [--python PATH] [--bit-rate B]")
            default: throw BenchError.usage("unknown argument \(arguments[index])")
            }
            index += 1
        }
    }
}

enum BenchError: Error, CustomStringConvertible {
    case usage(String)
    case python(String)

    var description: String {
        switch self {
        case .usage(let text): return text
        case .python(let text): return "NBIS reference failed: \(text)"
        }
    }
}

/// Times NBIS inside one Python process; prints "<save s/encode> <core s/encode> <save bytes> <core bytes>".
let nbisScript = """
    import io, sys, time
    try:
        import wsq, _wsq
        from PIL import Image
    except ImportError as error:
        sys.exit("module missing: %s (pip install wsq)" % error)
    raw = open(sys.argv[1], "rb").read()
    width, height, reps = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    image = Image.frombytes("L", (width, height), raw)
    def save():
        buffer = io.BytesIO()
        image.save(buffer, "WSQ")
        return buffer.getvalue()
    def core():
        return _wsq.compress(raw, height, width, 12)
    save_size = len(save()); core_size = len(core())
    start = time.perf_counter()
    for _ in range(reps): save()
    save_time = (time.perf_counter() - start) / reps
    start = time.perf_counter()
    for _ in range(reps): core()
    core_time = (time.perf_counter() - start) / reps
    print("%.9f %.9f %d %d" % (save_time, core_time, save_size, core_size))
    """

struct NBISTiming {
    var save: Double
    var core: Double
    var saveBytes: Int
    var coreBytes: Int
}

func runNBIS(python: String, rawPath: String, width: Int, height: Int, repetitions: Int) throws -> NBISTiming {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [python, "-c", nbisScript, rawPath, "\(width)", "\(height)", "\(repetitions)"]
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw BenchError.python(
            String(decoding: errorData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
    let fields = String(decoding: data, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" })
    guard fields.count == 4, let save = Double(fields[0]), let core = Double(fields[1]), let saveBytes = Int(fields[2]),
        let coreBytes = Int(fields[3])
    else { throw BenchError.python("unexpected output \(String(decoding: data, as: UTF8.self))") }
    return NBISTiming(save: save, core: core, saveBytes: saveBytes, coreBytes: coreBytes)
}

func format(_ value: Double, _ decimals: Int) -> String {
    String(format: "%.\(decimals)f", value)
}

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
}

func main() -> Int32 {
    let options: BenchOptions
    do {
        options = try BenchOptions(arguments: CommandLine.arguments)
    } catch {
        FileHandle.standardError.write(Data("\(error)\n".utf8))
        return 2
    }
    let width = 512
    let height = 512
    let image = FingerprintSynthesizer(width: width, height: height).generate(seed: 1, pattern: .loop)
    let rawURL = FileManager.default.temporaryDirectory.appendingPathComponent("fingerprint-bench-\(getpid()).raw")
    defer { try? FileManager.default.removeItem(at: rawURL) }
    do {
        try Data(image.pixels).write(to: rawURL)
    } catch {
        FileHandle.standardError.write(Data("cannot write \(rawURL.path): \(error)\n".utf8))
        return 2
    }

    var ours: [Double] = []
    var save: [Double] = []
    var core: [Double] = []
    var ourBytes = 0
    var nbisBytes = (0, 0)
    print("WSQ encode, 512×512 px at 500 ppi, bit rate \(options.bitRate), \(options.repetitions) encodes per run")
    print("")
    print("| run | ours ms | NBIS Image.save ms | ratio | NBIS _wsq.compress ms | ratio |")
    print("|----:|--------:|-------------------:|------:|----------------------:|------:|")
    for run in 1...options.runs {
        do {
            ourBytes = try WSQEncoder.encode(
                pixels: image.pixels, width: width, height: height, ppi: 500, bitRate: options.bitRate
            ).count
            let clock = ContinuousClock()
            let started = clock.now
            for _ in 0..<options.repetitions {
                _ = try WSQEncoder.encode(
                    pixels: image.pixels, width: width, height: height, ppi: 500, bitRate: options.bitRate)
            }
            let elapsed = clock.now - started
            let (seconds, attoseconds) = elapsed.components
            let perEncode = (Double(seconds) + Double(attoseconds) / 1e18) / Double(options.repetitions)
            let nbis = try runNBIS(
                python: options.python, rawPath: rawURL.path, width: width, height: height,
                repetitions: options.repetitions)
            ours.append(perEncode * 1000)
            save.append(nbis.save * 1000)
            core.append(nbis.core * 1000)
            nbisBytes = (nbis.saveBytes, nbis.coreBytes)
            print(
                "| \(pad("\(run)", 3)) | \(pad(format(ours[run - 1], 2), 7)) | \(pad(format(save[run - 1], 2), 18)) | "
                    + "\(pad(format(ours[run - 1] / save[run - 1], 2), 5)) | \(pad(format(core[run - 1], 2), 21)) | "
                    + "\(pad(format(ours[run - 1] / core[run - 1], 2), 5)) |")
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            return 1
        }
    }
    let ratios = zip(ours, save).map { $0 / $1 }
    let coreRatios = zip(ours, core).map { $0 / $1 }
    print(
        "| med | \(pad(format(BenchmarkStatistics.median(ours), 2), 7)) | \(pad(format(BenchmarkStatistics.median(save), 2), 18)) | "
            + "\(pad(format(BenchmarkStatistics.median(ratios), 2), 5)) | \(pad(format(BenchmarkStatistics.median(core), 2), 21)) | "
            + "\(pad(format(BenchmarkStatistics.median(coreRatios), 2), 5)) |")
    print("")
    let pixels = Double(width * height)
    print(
        "compressed size: ours \(ourBytes) bytes (\(format(Double(ourBytes * 8) / pixels, 3)) bpp), "
            + "NBIS \(nbisBytes.0) bytes (\(format(Double(nbisBytes.0 * 8) / pixels, 3)) bpp)")
    let verdict = BenchmarkStatistics.median(ratios) <= 1.0 ? "met" : "NOT met"
    print(
        "median ratio ours/NBIS (Image.save) = \(format(BenchmarkStatistics.median(ratios), 2)); goal ≤ 1.0 \(verdict)")
    return 0
}

exit(main())
