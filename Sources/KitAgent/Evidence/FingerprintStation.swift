import KitCore
import KitDrivers
import Logging

/// Fingerprints for an ID-card or passport application (BSI TR-03121-3 procedure, issue #8): runs
/// the capture plan on a scanner and records the finger set as one outbox transaction. A scanner
/// that fails or is unplugged mid-set records nothing; the set is started again.
public struct FingerprintStation: Sendable {
    let recorder: EvidenceRecorder
    let logger: Logger

    public init(runtime: KitRuntime, logger: Logger) {
        self.recorder = EvidenceRecorder(runtime: runtime)
        self.logger = logger
    }

    /// Runs `plan` on an enabled scanner. Fingers in `skips` are recorded as skipped with their
    /// reason; `notices` receives each step of the procedure (for the clerk's screen).
    public func capture(
        caseId: String, on scanner: any FingerprintScanner, plan: FingerprintCapturePlan = .bsiDefault,
        skips: [FingerImageRecord.Position: FingerprintSkipReason] = [:],
        notices: @escaping @Sendable (FingerprintCaptureNotice) async -> Void = { _ in },
        events: @escaping @Sendable (FingerprintScannerEvent, FingerImageRecord.Position) -> Void = { _, _ in }
    ) async throws(EvidenceError) -> (receipt: Outbox.Receipt, set: FingerprintSet) {
        let clerk = FingerprintSkipListClerk(skips: skips, notices: notices, events: events)
        let set: FingerprintSet
        do {
            set = try await FingerprintCaptureProcedure(plan: plan).run(scanner: scanner, clerk: clerk)
        } catch {
            logger.notice(
                "finger set ended early; nothing recorded",
                metadata: ["fingersDone": "\(error.partial.entries.count)"])
            throw .fingerprintCapture(error)
        }
        let receipt = try await recorder.recordFingerprints(caseId: caseId, set: set)
        logger.info(
            "finger set recorded",
            metadata: [
                "seq": "\(receipt.seq)", "kept": "\(set.keptFingers.count)", "skipped": "\(set.skippedFingers.count)",
            ])
        return (receipt, set)
    }

    /// Uses the first libfprint scanner that captures images, and closes it afterwards.
    public func captureOnConnectedScanner(
        caseId: String, plan: FingerprintCapturePlan = .bsiDefault,
        skips: [FingerImageRecord.Position: FingerprintSkipReason] = [:],
        notices: @escaping @Sendable (FingerprintCaptureNotice) async -> Void = { _ in },
        events: @escaping @Sendable (FingerprintScannerEvent, FingerImageRecord.Position) -> Void = { _, _ in }
    ) async throws(EvidenceError) -> (receipt: Outbox.Receipt, set: FingerprintSet) {
        let context: LibfprintContext
        do { context = try await LibfprintContext.create() } catch { throw .fingerprintScanner(error) }
        let scanner: LibfprintScanner
        do {
            scanner = try await context.firstImageScanner()
            try await scanner.open()
            try await scanner.claim(timeout: .seconds(5))
            try await scanner.enable()
        } catch {
            await context.shutdown()
            if case .noScanner = error { throw .noFingerprintScanner }
            throw .fingerprintScanner(error)
        }
        do {
            let result = try await capture(
                caseId: caseId, on: scanner, plan: plan, skips: skips, notices: notices, events: events)
            await scanner.close()
            await context.shutdown()
            return result
        } catch {
            await scanner.close()
            await context.shutdown()
            throw error
        }
    }
}

/// Answers the procedure's questions from the clerk's list of fingers to skip (given up front
/// through the local API) and passes the procedure's notices on.
struct FingerprintSkipListClerk: FingerprintCaptureClerk {
    let skips: [FingerImageRecord.Position: FingerprintSkipReason]
    let notices: @Sendable (FingerprintCaptureNotice) async -> Void
    let events: @Sendable (FingerprintScannerEvent, FingerImageRecord.Position) -> Void

    func availability(of finger: FingerImageRecord.Position) async -> FingerprintFingerAvailability {
        skips[finger].map { .skip($0) } ?? .available
    }

    func notice(_ notice: FingerprintCaptureNotice) async {
        await notices(notice)
    }

    func scannerEvent(_ event: FingerprintScannerEvent, finger: FingerImageRecord.Position) {
        events(event, finger)
    }
}
