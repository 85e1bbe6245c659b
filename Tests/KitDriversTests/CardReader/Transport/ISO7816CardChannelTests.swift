import KitDrivers
import KitSimulators
import Testing

/// The APDU level against scripted and simulated cards, no reader.
@Suite("ISO 7816 channel: GET RESPONSE, Le correction, hostile answers")
struct ISO7816CardChannelTests {
    @Test func followsGetResponseAndExactLeOnTheSimulatedCard() async throws {
        let channel = ISO7816CardChannel(transport: CardSimulatorDirectTransport(card: CardSimulatorISOCard()))
        let fcp = try await channel.sendExpectingSuccess(
            try .selectFile(0x0103, target: .elementaryFile, response: .fcp))
        #expect(fcp.data.first == 0x62)
        #expect(try await channel.readFile(0x0104) == CardSimulatorISOCard.exactFile)
        #expect(try await channel.readFile(0x0102) == CardSimulatorISOCard.longFile)
    }

    @Test func hostileAnswersAreTypedErrors() async throws {
        let select = try ISO7816CommandAPDU.selectFile(0x3F00)
        let cases: [([UInt8], CardReaderError)] = [
            ([], .apdu(.responseTooShort(count: 0))),
            ([0x90], .apdu(.responseTooShort(count: 1))),
            ([0x01, 0x02, 0x90, 0x00], .responseLongerThanExpected(received: 2, expected: 0)),
        ]
        for (answer, expected) in cases {
            let channel = ISO7816CardChannel(transport: ScriptedTransport(answers: [answer]))
            await #expect(throws: expected) { _ = try await channel.send(select) }
        }
        // A card that answers 61xx forever is stopped.
        let endless = ISO7816CardChannel(transport: ScriptedTransport(answers: [[0x61, 0x10]], repeatLast: true))
        await #expect(throws: CardReaderError.apdu(.tooManyResponseRounds(rounds: 64))) {
            _ = try await endless.send(try .readBinary(offset: 0))
        }
        // A file that never ends is cut off.
        let chunk = [UInt8](repeating: 0x41, count: 0xDF) + [0x90, 0x00]
        let long = ISO7816CardChannel(transport: ScriptedTransport(answers: [chunk], repeatLast: true))
        await #expect(throws: CardReaderError.fileTooLong(limit: 1000)) {
            _ = try await long.readBinaryToEnd(limit: 1000)
        }
    }

    @Test func randomAnswersNeverCrash() async throws {
        var generator = SeededRandom(seed: 7816)
        let command = try ISO7816CommandAPDU.readBinary(offset: 0, ne: 16)
        for _ in 0..<2000 {
            let answer = generator.bytes(count: Int.random(in: 0...24, using: &generator))
            let channel = ISO7816CardChannel(transport: ScriptedTransport(answers: [answer], repeatLast: true))
            do {
                let response = try await channel.send(command)
                #expect(response.data.count <= 16 * 64)
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
    }
}

/// Answers with a fixed list of responses.
final class ScriptedTransport: CardReaderAPDUTransport, @unchecked Sendable {
    private var answers: [[UInt8]]
    private let repeatLast: Bool

    init(answers: [[UInt8]], repeatLast: Bool = false) {
        self.answers = answers
        self.repeatLast = repeatLast
    }

    func transmit(_ apdu: [UInt8]) async throws(CardReaderError) -> [UInt8] {
        guard let first = answers.first else { return [0x6F, 0x00] }
        if answers.count > 1 || !repeatLast { answers.removeFirst() }
        return first
    }
}
