// PenReportBench: the time to process one STU pen report end to end — decode the 0x34 input report,
// range-check it, track sequence and time count, hit-test the prompt's buttons and append it to the
// capture buffer (`STUCaptureSession.process(report:)`) — against the physical limit of the pad:
// a STU-540 sends a report every 5 ms (200 Hz), so a report must be handled well within 5 ms.
//
// A run plays a generated 10-second signature (2,000 reports with time count and sequence, pen
// lifts between three strokes) into a fresh session with the STU-540 prompt layout, timing every
// report on its own (p50, p99, max) and the whole signature (mean). It then finalises the capture
// (ISO/IEC 19794-7 record + PNG bound to a digest), which the citizen waits for after OK, and sets
// that against the signing time. The table shows each run and the median over runs.
//
// Usage: pen-report-bench [--runs R]
import BenchmarkSupport
import Foundation
import KitDrivers

let budget = Duration.milliseconds(5)
let reportsPerSignature = 2000

func signatureReports() -> [[UInt8]] {
    let capability = STUModel.stu540.nominalCapability
    var reports: [[UInt8]] = []
    for index in 0..<reportsPerSignature {
        let stroke = index / 700
        let t = Double(index % 700) / 700
        // Three strokes in the signing area, pen up for the last 40 reports of each.
        let x = Double(capability.tabletMaxX) * (0.15 + 0.25 * Double(stroke) + 0.22 * t)
        let y = Double(capability.tabletMaxY) * (0.45 + 0.08 * sin(t * 12 + Double(stroke)))
        let down = index % 700 < 660
        let sample = STUPenSample(
            x: UInt16(x), y: UInt16(y), pressure: down ? UInt16(300 + (index % 50) * 8) : 0, rdy: true, sw: down,
            timeCount: UInt16(truncatingIfNeeded: index * 5), sequence: UInt16(truncatingIfNeeded: index))
        reports.append(sample.encodedReport())
    }
    return reports
}

struct RunResult {
    var meanNs: Double
    var p50Ns: Double
    var p99Ns: Double
    var maxNs: Double
    var finaliseMs: Double
    var accepted: Int
}

func run(reports: [[UInt8]], layout: STUPromptLayout) throws -> RunResult {
    let capability = STUModel.stu540.nominalCapability
    var session = try STUCaptureSession(capability: capability, layout: layout)
    var each: [Double] = []
    each.reserveCapacity(reports.count)
    let clock = ContinuousClock()
    let start = clock.now
    for report in reports {
        let before = clock.now
        _ = session.process(report: report)
        each.append((clock.now - before).nanoseconds)
    }
    let total = (clock.now - start).nanoseconds
    let finaliseStart = clock.now
    let capture = try session.capture(
        documentSHA256: [UInt8](repeating: 0xAB, count: 32),
        captureDateTime: ISO19794_7DateTime(year: 2026, month: 12, day: 4, hour: 10, minute: 0, second: 0))
    let finalise = (clock.now - finaliseStart).nanoseconds / 1e6
    guard capture.png.count > 0 else { throw BenchError.nothingCaptured }
    each.sort()
    return RunResult(
        meanNs: total / Double(reports.count), p50Ns: BenchmarkStatistics.percentile(each, 50),
        p99Ns: BenchmarkStatistics.percentile(each, 99),
        maxNs: each.last ?? 0, finaliseMs: finalise, accepted: session.counters.accepted)
}

enum BenchError: Error {
    case usage(String)
    case nothingCaptured
}

var runs = 5
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--runs":
        guard let value = arguments.popFirst().flatMap(Int.init), value > 0 else {
            throw BenchError.usage("--runs needs a positive number")
        }
        runs = value
    default: throw BenchError.usage("pen-report-bench [--runs R]")
    }
}

let reports = signatureReports()
let layout = STUSignaturePrompt(title: "Ich beantrage einen Personalausweis.", citizenName: "Erika Mustermann")
    .render(for: .stu540)
_ = try run(reports: reports, layout: layout)  // warm-up
var results: [RunResult] = []
let budgetNs = budget.nanoseconds
let signingMs = Double(reportsPerSignature) * 5
print("Pen reports: STUCaptureSession.process(report:) per 0x34 report vs the 5 ms interval of a 200 Hz pad")
print("run | mean ns | p50 ns | p99 ns | max ns | p99 / 5 ms | finalise ms | finalise / 10 s signing")
print("----|---------|--------|--------|--------|------------|-------------|------------------------")
func row(_ label: String, _ r: RunResult) {
    print(
        String(
            format: "%@ | %7.0f | %6.0f | %6.0f | %6.0f | %10.6f | %11.1f | %.4f", label, r.meanNs, r.p50Ns, r.p99Ns,
            r.maxNs, r.p99Ns / budgetNs, r.finaliseMs, r.finaliseMs / signingMs))
}
for index in 1...runs {
    let result = try run(reports: reports, layout: layout)
    results.append(result)
    row(String(format: "%3d", index), result)
}
let summary = RunResult(
    meanNs: BenchmarkStatistics.median(results.map(\.meanNs)), p50Ns: BenchmarkStatistics.median(results.map(\.p50Ns)),
    p99Ns: BenchmarkStatistics.median(results.map(\.p99Ns)),
    maxNs: BenchmarkStatistics.median(results.map(\.maxNs)),
    finaliseMs: BenchmarkStatistics.median(results.map(\.finaliseMs)),
    accepted: results.first?.accepted ?? 0)
row("med", summary)
print(
    "\(summary.accepted) of \(reportsPerSignature) reports accepted per signature; "
        + String(format: "median p99 uses %.4f%% of the 5 ms budget", summary.p99Ns / budgetNs * 100))
