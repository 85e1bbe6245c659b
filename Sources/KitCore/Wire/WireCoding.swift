import Foundation

/// JSON coding shared by kit and server: ISO 8601 dates, sorted keys (stable output for logs,
/// golden files and signatures over JSON bodies).
public enum WireCoding {
    /// A fresh encoder with the project's settings.
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }

    /// A fresh decoder with the project's settings.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
