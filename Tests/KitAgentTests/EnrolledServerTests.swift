import Foundation
import KitAgent
import KitCore
import Testing

/// `--server` (`server.url`) must name the server the kit is enrolled with: the queue is sealed to
/// that server's data key and sent with its credentials, so another URL would change only the
/// link check.
@Suite("Agent configuration: the enrolled server")
struct EnrolledServerTests {
    func configuration(_ url: String) throws -> AgentConfiguration {
        AgentConfiguration(serverURL: try AgentConfiguration.parseServerURL(url))
    }

    @Test func anotherServerThanTheEnrolledOneIsRefusedWithTheRemedy() throws {
        let enrolled = KitCredentials(
            kitId: "kit-a", apiToken: "secret-api-token-4711", serverURL: "https://sync.stadt.example:8443")
        let error = #expect(throws: AgentError.self) {
            try configuration("https://other.example:8443").checkEnrolledServer(enrolled)
        }
        let message = error?.description ?? ""
        #expect(message.contains("is not the server this kit is enrolled with (https://sync.stadt.example:8443)"))
        #expect(message.contains("kit-agent enroll --server https://other.example:8443"))
        #expect(!message.contains("\n"))
        #expect(!message.contains(enrolled.apiToken))
    }

    @Test func theEnrolledServerUpToSpellingAndAnUnenrolledKitPass() throws {
        let enrolled = KitCredentials(kitId: "kit-a", apiToken: "t", serverURL: "https://sync.stadt.example:8443")
        try configuration("https://SYNC.stadt.example:8443/").checkEnrolledServer(enrolled)
        try configuration("https://sync.stadt.example:8443").checkEnrolledServer(enrolled)
        try configuration("https://anything.example").checkEnrolledServer(nil)
        let onDefaultPort = KitCredentials(kitId: "kit-a", apiToken: "t", serverURL: "https://sync.example")
        try configuration("https://sync.example:443").checkEnrolledServer(onDefaultPort)
        #expect(throws: AgentError.self) {
            try configuration("http://sync.example").checkEnrolledServer(onDefaultPort)
        }
    }
}
