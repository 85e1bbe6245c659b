import BenchmarkSupport
import Foundation

/// Why the benchmark stopped: the message is printed and the process exits non-zero.
struct BenchFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}

/// Wall-clock seconds of `body`.
func seconds(_ body: () async throws -> Void) async rethrows -> Double {
    let start = ContinuousClock.now
    try await body()
    return (ContinuousClock.now - start).seconds
}

enum Format {
    static func rate(_ value: Double) -> String { String(format: "%.0f tx/s", value) }
    static func ratio(_ value: Double) -> String { String(format: "%.2f", value) }
    static func milliseconds(_ seconds: Double) -> String {
        seconds < 0.01 ? String(format: "%.1f ms", seconds * 1000) : String(format: "%.0f ms", seconds * 1000)
    }
    static func runs(_ values: [Double], _ format: (Double) -> String) -> String {
        values.map(format).joined(separator: ", ")
    }
}

/// Progress lines go to standard error, so standard output holds only the tables.
func progress(_ message: String) {
    FileHandle.standardError.write(Data("replay-bench: \(message)\n".utf8))
}
