import Foundation

/// Routes raw APDUs of protocol layers through a ``CardReaderDevice``.
struct CardReaderDeviceTransport: CardReaderAPDUTransport {
    let device: CardReaderDevice

    func transmit(_ apdu: [UInt8]) async throws(CardReaderError) -> [UInt8] {
        try await device.transmitRaw(apdu)
    }
}

/// Counts what goes through a transport, for the statistics.
final class CardReaderCountingTransport: CardReaderAPDUTransport, @unchecked Sendable {
    struct Counts {
        var commands = 0
        var sent = 0
        var received = 0
    }

    private let base: any CardReaderAPDUTransport
    private let lock = NSLock()
    private var counts = Counts()

    init(base: any CardReaderAPDUTransport) {
        self.base = base
    }

    var snapshot: Counts { lock.withLock { counts } }

    func transmit(_ apdu: [UInt8]) async throws(CardReaderError) -> [UInt8] {
        lock.withLock {
            counts.commands += 1
            counts.sent += apdu.count
        }
        let response = try await base.transmit(apdu)
        lock.withLock { counts.received += response.count }
        return response
    }
}
