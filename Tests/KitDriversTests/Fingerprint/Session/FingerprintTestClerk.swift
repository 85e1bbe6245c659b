import KitDrivers

/// A clerk that answers availability from a table, records every notice, and forwards scanner
/// events (to feed the simulator when the scanner waits for a finger).
actor FingerprintTestClerk: FingerprintCaptureClerk {
    let skips: [FingerImageRecord.Position: FingerprintSkipReason]
    nonisolated let onScannerEvent: @Sendable (FingerprintScannerEvent) -> Void
    private(set) var asked: [FingerImageRecord.Position] = []
    private(set) var notices: [FingerprintCaptureNotice] = []

    init(
        skips: [FingerImageRecord.Position: FingerprintSkipReason] = [:],
        onScannerEvent: @escaping @Sendable (FingerprintScannerEvent) -> Void = { _ in }
    ) {
        self.skips = skips
        self.onScannerEvent = onScannerEvent
    }

    func availability(of finger: FingerImageRecord.Position) async -> FingerprintFingerAvailability {
        asked.append(finger)
        return skips[finger].map { .skip($0) } ?? .available
    }

    func notice(_ notice: FingerprintCaptureNotice) async {
        notices.append(notice)
    }

    nonisolated func scannerEvent(_ event: FingerprintScannerEvent, finger: FingerImageRecord.Position) {
        onScannerEvent(event)
    }
}
