/// Statistics shared by the benchmarks: nearest-rank percentiles and medians over measured values,
/// and durations as numbers, so every table in docs/BENCHMARKS.md is computed the same way.
public enum BenchmarkStatistics {
    /// The nearest-rank `percent` percentile (0–100); NaN for no values.
    public static func percentile(_ values: [Double], _ percent: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let rank = Int((percent / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    /// The median as the 50th nearest-rank percentile (the middle run of an odd number of runs).
    public static func median(_ values: [Double]) -> Double {
        percentile(values, 50)
    }
}

extension Duration {
    /// The duration in seconds.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// The duration in nanoseconds.
    public var nanoseconds: Double {
        Double(components.seconds) * 1e9 + Double(components.attoseconds) / 1e9
    }
}
