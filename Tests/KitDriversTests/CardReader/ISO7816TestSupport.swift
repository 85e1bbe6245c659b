/// Helpers shared by the card-reader tests.
enum ISO7816TestSupport {
    /// Parses hex such as "3B 95 13"; spaces are ignored. Invalid input yields fewer bytes, which the
    /// calling test then notices.
    static func hex(_ text: String) -> [UInt8] {
        let digits = text.unicodeScalars.compactMap { scalar -> UInt8? in
            switch scalar {
            case "0"..."9": return UInt8(scalar.value - 48)
            case "A"..."F": return UInt8(scalar.value - 55)
            case "a"..."f": return UInt8(scalar.value - 87)
            default: return nil
            }
        }
        return stride(from: 0, to: digits.count - 1, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
    }
}
