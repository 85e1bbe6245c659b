import Foundation
import KitCore
import Testing

@Suite("Layered configuration: flags over environment over file")
struct LayeredConfigurationTests {
    func writeFile(_ json: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-\(UUID().uuidString).json").path
        try Data(json.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func flagBeatsEnvironmentBeatsFile() async throws {
        let file = try writeFile(#"{"http": {"port": 1111, "host": "10.0.0.1"}, "stateDirectory": "/from/file"}"#)
        let config = try await LayeredConfiguration.load(
            flags: ["http.port": "3333"],
            environmentPrefix: "syncServer",
            file: file,
            environment: ["SYNC_SERVER_HTTP_PORT": "2222", "SYNC_SERVER_HTTP_HOST": "10.0.0.2"])
        #expect(try config.integer("http.port", in: 0...65535) == 3333)
        #expect(config.string("http.host") == "10.0.0.2")
        #expect(config.string("stateDirectory") == "/from/file")
        #expect(config.string("not.set") == nil)
        #expect(config.file == file)
    }

    @Test func environmentWithoutPrefixIsIgnored() async throws {
        let config = try await LayeredConfiguration.load(
            flags: [:], environmentPrefix: "kitAgent", file: nil, environment: ["SERVER_URL": "http://x"])
        #expect(config.string("server.url") == nil)
    }

    @Test func invalidNumberNamesKeyAndValue() async throws {
        let config = try await LayeredConfiguration.load(
            flags: [:], environmentPrefix: "syncServer", file: nil, environment: ["SYNC_SERVER_HTTP_PORT": "eighty"])
        #expect(
            throws: ConfigurationError.invalidValue(
                key: "http.port", value: "eighty", expected: "a whole number from 0 to 65535")
        ) {
            try config.integer("http.port", in: 0...65535)
        }
        let outOfRange = try await LayeredConfiguration.load(
            flags: ["http.port": "70000"], environmentPrefix: "syncServer", file: nil, environment: [:])
        #expect(throws: ConfigurationError.self) { try outOfRange.integer("http.port", in: 0...65535) }
    }

    @Test func choiceRejectsUnknownWords() async throws {
        let config = try await LayeredConfiguration.load(
            flags: ["storage": "oracle"], environmentPrefix: "syncServer", file: nil, environment: [:])
        do {
            _ = try config.choice("storage", from: ["sqlite", "postgresql"])
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("storage=\"oracle\""))
            #expect(error.description.contains("sqlite, postgresql"))
        }
    }

    @Test func missingFileIsAClearError() async throws {
        await #expect(throws: ConfigurationError.fileNotFound(path: "/nonexistent/kit.json")) {
            _ = try await LayeredConfiguration.load(
                flags: [:], environmentPrefix: "kitAgent", file: "/nonexistent/kit.json", environment: [:])
        }
    }

    @Test func brokenJSONIsAClearError() async throws {
        let file = try writeFile("{ not json")
        do {
            _ = try await LayeredConfiguration.load(
                flags: [:], environmentPrefix: "kitAgent", file: file, environment: [:])
            Issue.record("expected an error")
        } catch {
            guard case .fileUnreadable(let path, _) = error else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(path == file)
        }
    }
}
