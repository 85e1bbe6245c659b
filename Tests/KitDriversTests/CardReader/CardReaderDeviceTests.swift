import KitDrivers
import KitSimulators
import Testing

/// Life-cycle rules that need no pcscd.
@Suite("Card reader life cycle without a reader")
struct CardReaderDeviceTests {
    @Test func callsOutOfOrderAreTypedErrors() async throws {
        let device = CardReaderDevice()
        #expect(await device.state == .closed)
        #expect(await device.power == .unknown)
        await #expect(throws: CardReaderError.wrongState(.closed, operation: "claim the card reader")) {
            try await device.claim()
        }
        await #expect(throws: CardReaderError.notClaimed(operation: "enable the card reader")) {
            try await device.enable()
        }
        await #expect(throws: CardReaderError.notClaimed(operation: "connect to the card")) {
            try await device.connectCard()
        }
        await #expect(throws: CardReaderError.notConnected) {
            _ = try await device.send(try .selectFile(0x3F00))
        }
        let health = await device.checkHealth(.internal)
        #expect(health.state == .closed)
        #expect(health.description.contains("card reader health (internal)"))
    }

    @Test func errorsTellWhatToDo() {
        #expect(
            CardReaderError.noCard(reader: "Virtual PCD 00 00").description
                == "No card on the reader \"Virtual PCD 00 00\"; put the card on the reader.")
        #expect(CardReaderError.pcsc(PCSCError(code: 0x8010_0069, operation: "read the card")).isCardRemoved)
        #expect(
            NPAPACEError.wrongPassword(.pin, remainingTries: 1).description
                == "The PIN is wrong; 1 attempt(s) left — the next attempt needs the CAN first.")
    }

    @Test func simulatorATRsParse() throws {
        #expect(try ATR(bytes: CardSimulatorATR.iso).identification == .unknown)
        #expect(try ATR(bytes: CardSimulatorATR.germanIDCardTest).identification == .germanIDCardTest)
    }
}
