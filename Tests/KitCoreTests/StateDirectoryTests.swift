import Foundation
import KitCore
import Testing

@Suite("State directory preparation")
struct StateDirectoryTests {
    let base = FileManager.default.temporaryDirectory.appendingPathComponent("state-\(UUID().uuidString)").path

    @Test func createsMissingFoldersPrivately() throws {
        let directory = try StateDirectory.prepare(base + "/a/b")
        #expect(directory.path == base + "/a/b")
        let attributes = try FileManager.default.attributesOfItem(atPath: directory.path)
        let mode = try #require(attributes[.posixPermissions] as? NSNumber).intValue
        #expect(mode & 0o777 == 0o700)
        #expect(directory.appending("x.sqlite") == base + "/a/b/x.sqlite")
        // No probe file is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test func fileInPlaceOfFolderIsRejected() throws {
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        let file = base + "/plain"
        #expect(FileManager.default.createFile(atPath: file, contents: Data()))
        #expect(throws: StateDirectoryError.notADirectory(path: file)) { try StateDirectory.prepare(file) }
        do {
            _ = try StateDirectory.prepare(file + "/below")
            Issue.record("expected an error")
        } catch {
            #expect(error == .cannotCreate(path: file + "/below", reason: "\(file) is a file, not a folder"))
            #expect(error.description.contains("--state-dir"))
        }
    }
}
