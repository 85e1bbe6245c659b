/// Text in ZVT fields and print lines: 7-bit ASCII plus the upper half of code page 437,
/// the terminal default character set (ZVT spec rev. 13.x, "character set" section).
///
/// Only the part of the upper half that German receipts use (accented Latin letters and a
/// few signs) is mapped; other upper-half bytes decode to U+FFFD. Raw bytes always stay in
/// the message, so nothing is lost by this.
public enum ZVTText {
    /// Decodes terminal text; unmapped upper-half bytes become U+FFFD.
    public static func decode(_ bytes: [UInt8]) -> String {
        var scalars = String.UnicodeScalarView()
        for byte in bytes {
            if byte < 0x80 {
                scalars.append(Unicode.Scalar(byte))
            } else if let scalar = upperHalf[byte] {
                scalars.append(scalar)
            } else {
                scalars.append("\u{FFFD}")
            }
        }
        return String(scalars)
    }

    /// Encodes text for the terminal; fails on characters code page 437 (as mapped here) lacks.
    public static func encode(_ text: String) throws(ZVTError) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            if scalar.value < 0x80 {
                bytes.append(UInt8(scalar.value))
            } else if let byte = reverse[scalar] {
                bytes.append(byte)
            } else {
                throw .unencodableText(character: String(scalar))
            }
        }
        return bytes
    }

    private static let upperHalf: [UInt8: Unicode.Scalar] = {
        let rows: [(UInt8, String)] = [
            (0x80, "ÇüéâäàåçêëèïîìÄÅ"),
            (0x90, "ÉæÆôöòûùÿÖÜ¢£¥₧ƒ"),
            (0xA0, "áíóúñÑªº¿⌐¬½¼¡«»"),
        ]
        var table: [UInt8: Unicode.Scalar] = [0xE1: "ß", 0xE6: "µ", 0xF1: "±", 0xF8: "°", 0xFD: "²"]
        for (start, characters) in rows {
            for (index, scalar) in characters.unicodeScalars.enumerated() {
                table[start + UInt8(index)] = scalar
            }
        }
        return table
    }()

    private static let reverse: [Unicode.Scalar: UInt8] = {
        var table: [Unicode.Scalar: UInt8] = [:]
        for (byte, scalar) in upperHalf { table[scalar] = byte }
        return table
    }()
}
