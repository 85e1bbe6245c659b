import Foundation
import Logging

/// A logger that prints nothing: tests assert on behaviour, and servers they cancel on purpose
/// would otherwise fill the output with shutdown messages.
public func quietLogger(_ label: String = "test") -> Logger {
    Logger(label: label, factory: { _ in SwiftLogNoOpLogHandler() })
}

/// A fresh, not yet existing path under the system's temporary folder.
public func temporaryPath(_ prefix: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
}
