import Configuration
import Foundation
import SystemPackage

/// Configuration read from three layers, highest priority first: command-line flags, environment
/// variables with a program prefix (e.g. `KIT_AGENT_SERVER_URL` for key `server.url`), and an
/// optional JSON file (`{"server": {"url": …}}`).
///
/// Values are read as text and parsed here, so a wrong value is an error that names the key and
/// the value instead of a silent fallback to a default.
public struct LayeredConfiguration: Sendable {
    private let reader: ConfigReader
    /// The file the configuration was read from, if any.
    public let file: String?

    /// Builds the layers.
    /// - Parameters:
    ///   - flags: values given on the command line, by dotted key.
    ///   - environmentPrefix: dotted key components prepended for the environment, e.g.
    ///     `kitAgent` maps key `server.url` to `KIT_AGENT_SERVER_URL`.
    ///   - file: path of a JSON configuration file; it must exist when given.
    ///   - environment: the environment to read (the process environment by default).
    public static func load(
        flags: [String: String],
        environmentPrefix: String,
        file: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws(ConfigurationError) -> LayeredConfiguration {
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        for (key, value) in flags {
            values[AbsoluteConfigKey(ConfigKey(key))] = ConfigValue(.string(value), isSecret: false)
        }
        var providers: [any ConfigProvider] = [
            InMemoryProvider(name: "flags", values: values),
            KeyMappingProvider(upstream: EnvironmentVariablesProvider(environmentVariables: environment)) { key in
                key.prepending(ConfigKey(environmentPrefix))
            },
        ]
        if let file {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory), !isDirectory.boolValue else {
                throw .fileNotFound(path: file)
            }
            guard FileManager.default.isReadableFile(atPath: file) else {
                throw .fileUnreadable(path: file, reason: "permission denied")
            }
            do {
                providers.append(try await FileProvider<JSONSnapshot>(filePath: FilePath(file)))
            } catch {
                throw .fileUnreadable(path: file, reason: "not valid JSON configuration (\(error))")
            }
        }
        return LayeredConfiguration(reader: ConfigReader(providers: providers), file: file)
    }

    /// A text value, or nil when no layer sets it. Numbers and booleans from a JSON file are
    /// returned in their usual text form.
    public func string(_ key: String) -> String? {
        let configKey = ConfigKey(key)
        if let text = reader.string(forKey: configKey) { return text }
        if let number = reader.int(forKey: configKey) { return String(number) }
        if let number = reader.double(forKey: configKey) { return String(number) }
        if let flag = reader.bool(forKey: configKey) { return String(flag) }
        return nil
    }

    /// A whole number within `range`, or nil when no layer sets it.
    public func integer(_ key: String, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int? {
        guard let text = string(key) else { return nil }
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
            throw .invalidValue(
                key: key, value: text, expected: "a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// A duration in seconds (decimals allowed) within `range`, or nil when no layer sets it.
    public func seconds(_ key: String, in range: ClosedRange<Double>) throws(ConfigurationError) -> Double? {
        guard let text = string(key) else { return nil }
        guard let value = Double(text.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
            throw .invalidValue(
                key: key, value: text, expected: "seconds from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// One of a fixed set of words, or nil when no layer sets it.
    public func choice(_ key: String, from allowed: [String]) throws(ConfigurationError) -> String? {
        guard let text = string(key) else { return nil }
        guard allowed.contains(text) else {
            throw .invalidValue(key: key, value: text, expected: "one of " + allowed.joined(separator: ", "))
        }
        return text
    }
}

/// A configuration problem, worded for the person installing the kit or the server.
public enum ConfigurationError: Error, Equatable, CustomStringConvertible {
    /// The configuration file named on the command line or in the environment does not exist.
    case fileNotFound(path: String)
    /// The configuration file exists but cannot be read or parsed.
    case fileUnreadable(path: String, reason: String)
    /// A value has the wrong form.
    case invalidValue(key: String, value: String, expected: String)
    /// A required value is missing.
    case missing(key: String, hint: String)

    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return "configuration file \(path) does not exist"
        case .fileUnreadable(let path, let reason):
            return "configuration file \(path) cannot be read: \(reason)"
        case .invalidValue(let key, let value, let expected):
            return "configuration value \(key)=\"\(value)\" is invalid: expected \(expected)"
        case .missing(let key, let hint):
            return "configuration value \(key) is missing: \(hint)"
        }
    }
}
