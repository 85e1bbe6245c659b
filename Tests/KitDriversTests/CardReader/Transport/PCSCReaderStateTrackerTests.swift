import Testing

@testable import KitDrivers

@Suite("Reader and card events from SCardGetStatusChange states")
struct PCSCReaderStateTrackerTests {
    let present: UInt64 = 0x0020 | 0x0002
    let empty: UInt64 = 0x0010 | 0x0002
    let atr: [UInt8] = [0x3B, 0x80, 0x80, 0x01, 0x01]

    @Test func readersComeAndGo() {
        var tracker = PCSCReaderStateTracker()
        #expect(tracker.update(readerList: ["A", "B"]) == [.readerAdded("A"), .readerAdded("B")])
        #expect(tracker.update(readerList: ["B"]) == [.readerRemoved("A")])
        #expect(tracker.update(readerList: ["B"]).isEmpty)
    }

    @Test func insertRemoveAndSwapBetweenTwoCalls() {
        var tracker = PCSCReaderStateTracker()
        _ = tracker.update(readerList: ["A"])
        #expect(
            tracker.update(reader: "A", eventState: present | 1 << 16, atr: atr) == [
                .cardInserted(reader: "A", atr: atr)
            ])
        // Same state, same counter: nothing.
        #expect(tracker.update(reader: "A", eventState: present | 1 << 16, atr: atr).isEmpty)
        // Counter moved by two: the card was swapped while nobody looked.
        #expect(
            tracker.update(reader: "A", eventState: present | 3 << 16, atr: atr)
                == [.cardRemoved(reader: "A"), .cardInserted(reader: "A", atr: atr)])
        #expect(tracker.update(reader: "A", eventState: empty | 4 << 16, atr: []) == [.cardRemoved(reader: "A")])
    }

    @Test func muteCardAndUnknownReader() {
        var tracker = PCSCReaderStateTracker()
        _ = tracker.update(readerList: ["A"])
        #expect(tracker.update(reader: "A", eventState: present | 0x0200, atr: []) == [.cardMute(reader: "A")])
        #expect(tracker.update(reader: "Z", eventState: present, atr: atr).isEmpty)
        #expect(tracker.update(reader: "A", eventState: 0x0004 | 0x0002, atr: []).isEmpty)
    }

    /// A new reader's first report says whether a card is on it, also when none is: a device
    /// knows the card state from then on (doctor waits for exactly that).
    @Test func theFirstReportOfAnEmptyReaderSaysSoOnce() {
        var tracker = PCSCReaderStateTracker()
        _ = tracker.update(readerList: ["A"])
        #expect(tracker.update(reader: "A", eventState: empty | 1 << 16, atr: []) == [.readerEmpty(reader: "A")])
        #expect(tracker.update(reader: "A", eventState: empty | 1 << 16, atr: []).isEmpty)
        #expect(
            tracker.update(reader: "A", eventState: present | 2 << 16, atr: atr) == [
                .cardInserted(reader: "A", atr: atr)
            ])
    }

    @Test func serviceLossRemovesCardsThenReaders() {
        var tracker = PCSCReaderStateTracker()
        _ = tracker.update(readerList: ["A", "B"])
        _ = tracker.update(reader: "A", eventState: present, atr: atr)
        #expect(
            tracker.serviceLost() == [.cardRemoved(reader: "A"), .readerRemoved("A"), .readerRemoved("B")])
        #expect(tracker.readerNames.isEmpty)
    }

    @Test func eventsReadWell() {
        #expect(
            PCSCReaderEvent.cardInserted(reader: "R", atr: [0x3B, 0x00]).description
                == "card inserted into \"R\" (ATR 3B 00)")
        #expect(PCSCReaderEvent.cardRemoved(reader: "R").description == "card removed from \"R\"")
    }
}
