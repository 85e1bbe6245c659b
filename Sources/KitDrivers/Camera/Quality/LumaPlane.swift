/// An 8-bit luma plane and the few measurements the photo checks take on it.
struct LumaPlane {
    let pixels: [UInt8]
    let width: Int
    let height: Int

    /// Mean, standard deviation and share of clipped (≥ 250) pixels.
    struct Statistics {
        var mean: Double
        var deviation: Double
        var clippedShare: Double
    }

    /// Statistics over the parts of `boxes` inside the plane.
    func statistics(in boxes: [DetectedFace.Box]) -> Statistics {
        var sum = 0
        var squares = 0
        var clipped = 0
        var count = 0
        pixels.withUnsafeBufferPointer { buffer in
            for box in boxes {
                let x0 = max(0, box.x)
                let y0 = max(0, box.y)
                let x1 = min(width, box.x + box.width)
                let y1 = min(height, box.y + box.height)
                guard x0 < x1, y0 < y1 else { continue }
                for y in y0..<y1 {
                    for x in x0..<x1 {
                        let value = Int(buffer[y * width + x])
                        sum += value
                        squares += value * value
                        if value >= 250 { clipped += 1 }
                    }
                }
                count += (x1 - x0) * (y1 - y0)
            }
        }
        guard count > 0 else { return Statistics(mean: 0, deviation: 0, clippedShare: 0) }
        let mean = Double(sum) / Double(count)
        let variance = max(0, Double(squares) / Double(count) - mean * mean)
        return Statistics(mean: mean, deviation: variance.squareRoot(), clippedShare: Double(clipped) / Double(count))
    }

    func statistics(in box: DetectedFace.Box) -> Statistics { statistics(in: [box]) }

    /// Variance of the 4-neighbour Laplacian over `box`, sampled on a grid that scales the box to
    /// `targetWidth` pixels wide (nearest sample), so the value does not grow with the camera's
    /// resolution. Higher is sharper.
    func laplacianVariance(in box: DetectedFace.Box, targetWidth: Int) -> Double {
        let x0 = max(0, box.x)
        let y0 = max(0, box.y)
        let x1 = min(width, box.x + box.width)
        let y1 = min(height, box.y + box.height)
        guard x1 - x0 >= 3, y1 - y0 >= 3 else { return 0 }
        let step = max(1.0, Double(x1 - x0) / Double(targetWidth))
        let columns = Int(Double(x1 - x0) / step)
        let rows = Int(Double(y1 - y0) / step)
        guard columns >= 3, rows >= 3 else { return 0 }
        var sample = [Int](repeating: 0, count: columns * rows)
        pixels.withUnsafeBufferPointer { buffer in
            for row in 0..<rows {
                let y = min(y1 - 1, y0 + Int(Double(row) * step))
                for column in 0..<columns {
                    let x = min(x1 - 1, x0 + Int(Double(column) * step))
                    sample[row * columns + column] = Int(buffer[y * width + x])
                }
            }
        }
        var sum = 0
        var squares = 0
        for row in 1..<(rows - 1) {
            for column in 1..<(columns - 1) {
                let centre = row * columns + column
                let laplacian =
                    sample[centre - 1] + sample[centre + 1] + sample[centre - columns] + sample[centre + columns]
                    - 4 * sample[centre]
                sum += laplacian
                squares += laplacian * laplacian
            }
        }
        let count = Double((rows - 2) * (columns - 2))
        let mean = Double(sum) / count
        return Double(squares) / count - mean * mean
    }
}
