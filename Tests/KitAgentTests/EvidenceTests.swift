import Crypto
import Foundation
import KitAgent
import KitCore
import KitDrivers
import KitSimulators
import KitTestSupport
import Testing

/// A signature as the pad produces it: a short stroke with the tip down, bound to `text`.
func capturedSignature(for text: String) throws -> SignatureRecordCapture {
    let capability = STUModel.stu540.nominalCapability
    let samples = (0..<50).map { (index: Int) -> STUTimedPenSample in
        let x = UInt16(2000 + index * 80)
        let y = UInt16(3000 + (index % 10) * 40)
        let pressure = UInt16(300 + index * 5)
        let sample = STUPenSample(x: x, y: y, pressure: pressure, rdy: true, sw: index < 48)
        return STUTimedPenSample(sample: sample, monotonicMilliseconds: UInt64(index * 5))
    }
    return try SignatureRecordCapture(
        samples: samples, capability: capability, documentSHA256: Array(SHA256.hash(data: Array(text.utf8))),
        captureDateTime: ISO19794_7DateTime(year: 2026, month: 12, day: 4, hour: 10, minute: 0, second: 0))
}

@Suite("Evidence: device results become one sealed outbox transaction")
struct EvidenceRecorderTests {
    static let text = "Ich beantrage einen Personalausweis. Gebühr 37,00 EUR."

    @Test func signatureIsSealedWithItsBindingAndReadsBack() async throws {
        let kit = try await EvidenceKit()
        let capture = try capturedSignature(for: Self.text)
        let receipt = try await EvidenceRecorder(runtime: kit.runtime).recordSignature(
            caseId: EvidenceKit.caseId, signedText: Self.text, capture: capture, padModel: "STU-540")
        #expect(try kit.kinds() == ["signature.captured"])
        let (header, payload) = try kit.payload(seq: receipt.seq)
        #expect(header.baseVersion == 4)
        #expect(header.caseId == EvidenceKit.caseId)
        let facts = try StepPayload.facts(StepPayload.Signature.self, from: payload)
        #expect(facts.documentSHA256 == Hex.encode(SHA256.hash(data: Array(Self.text.utf8))))
        #expect(facts.sampleCount == 50)
        #expect(facts.padModel == "STU-540")
        // The attachment after the facts is the complete KSIG record, identical to the capture.
        #expect(try SignatureRecordCapture(sealingPayload: splitPayload(payload).attachment) == capture)
    }

    @Test func oneChangedCharacterBreaksTheBindingAndWritesNothing() async throws {
        let kit = try await EvidenceKit()
        let capture = try capturedSignature(for: Self.text)
        let altered = Self.text.replacingOccurrences(of: "37,00", with: "87,00")
        await #expect(throws: EvidenceError.self) {
            try await EvidenceRecorder(runtime: kit.runtime).recordSignature(
                caseId: EvidenceKit.caseId, signedText: altered, capture: capture)
        }
        #expect(try kit.kinds().isEmpty)
        #expect(try kit.outbox.stats().lastSeq == 0)
    }

    @Test func aLockedKitOrAnUnknownCaseRecordsNothing() async throws {
        let kit = try await EvidenceKit()
        let capture = try capturedSignature(for: Self.text)
        let recorder = EvidenceRecorder(runtime: kit.runtime)
        do {
            _ = try await recorder.recordSignature(caseId: "no-such-case", signedText: Self.text, capture: capture)
            Issue.record("an unknown case was accepted")
        } catch {
            guard case .caseUnavailable = error else { throw error }
        }
        await kit.runtime.lock.lock()
        do {
            _ = try await recorder.recordSignature(
                caseId: EvidenceKit.caseId, signedText: Self.text, capture: capture)
            Issue.record("a locked kit recorded a signature")
        } catch {
            guard case .caseUnavailable = error else { throw error }
        }
        #expect(try kit.kinds().isEmpty)
    }

    @Test func anEmptyFingerSetIsRefused() async throws {
        let kit = try await EvidenceKit()
        do {
            _ = try await EvidenceRecorder(runtime: kit.runtime).recordFingerprints(
                caseId: EvidenceKit.caseId, set: FingerprintSet(scanner: nil, capturesPerFinger: 3, entries: []))
            Issue.record("an empty finger set was recorded")
        } catch {
            guard case .emptyFingerprintSet = error else { throw error }
        }
        #expect(try kit.kinds().isEmpty)
    }
}

/// The virtual image device's socket for this process (scripts/test sets FP_VIRTUAL_IMAGE before
/// the tests start, because libfprint reads it when a context is created).
let fingerprintSocketPath: String = {
    if let value = getenv("FP_VIRTUAL_IMAGE"), let path = String(validatingCString: value), !path.isEmpty {
        return path
    }
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("kit-fp-\(getpid()).sock").path
    setenv("FP_VIRTUAL_IMAGE", path, 1)
    return path
}()

@Suite("Fingerprint station through libfprint's virtual image device", .serialized)
struct FingerprintStationTests {
    /// Runs the station on the connected scanner while the simulator plays `sequence`.
    func capture(
        _ sequence: String, kit: EvidenceKit, skips: [FingerImageRecord.Position: FingerprintSkipReason]
    ) async throws -> Result<(receipt: Outbox.Receipt, set: FingerprintSet), EvidenceError> {
        let simulator = FingerprintVirtualImageSimulator(
            socketPath: fingerprintSocketPath, script: try FingerprintSimulatorScript(sequence: sequence))
        let station = FingerprintStation(runtime: kit.runtime, logger: quietLogger())
        let plan = FingerprintCapturePlan(
            slots: [.bsiOrder(.left), .bsiOrder(.right)], capturesPerFinger: 3, captureTimeout: .seconds(5))
        let task = Task { () async -> Result<(receipt: Outbox.Receipt, set: FingerprintSet), EvidenceError> in
            do throws(EvidenceError) {
                return .success(
                    try await station.captureOnConnectedScanner(
                        caseId: EvidenceKit.caseId, plan: plan, skips: skips,
                        events: { event, _ in
                            guard event == .waitingForFinger else { return }
                            Task { _ = try? await simulator.sendNextCapture() }
                        }))
            } catch {
                return .failure(error)
            }
        }
        // The device listens once the station opened it; connect retries until then.
        try await simulator.connect()
        let result = await task.value
        await simulator.close()
        return result
    }

    @Test func aFingerSetBecomesOneTransactionWithSkipAndBestCaptures() async throws {
        let kit = try await EvidenceKit()
        let result = try await capture("partial,clean,dark,clean,clean,light", kit: kit, skips: [.leftIndex: .injured])
        let (receipt, set) = try result.get()
        #expect(set.entries.map(\.position) == [.leftIndex, .leftThumb, .rightIndex])
        #expect(try kit.kinds() == ["fingerprints.captured"])
        let (header, payload) = try kit.payload(seq: receipt.seq)
        #expect(header.baseVersion == 4)
        let facts = try StepPayload.facts(StepPayload.FingerprintSet.self, from: payload)
        #expect(facts.skipped == [.init(position: "leftIndex", reason: "injured")])
        #expect(facts.kept.map(\.position) == ["leftThumb", "rightIndex"])
        #expect(facts.scanner == "libfprint/virtual_image")
        // The attachment is the full finger set: WSQ in ISO/IEC 19794-4 records, read back.
        let stored = try FingerprintSet(payload: splitPayload(payload).attachment)
        #expect(stored == set)
        for finger in stored.keptFingers {
            let record = try FingerImageRecord(decoding: finger.record)
            #expect(record.compression == .wsq)
        }
    }

    @Test func aScannerFailingMidSetRecordsNothing() async throws {
        // (A removed device is the driver suites' case; removing libfprint's virtual device here
        // would take it away from the suites that run after this one in the same process.)
        let kit = try await EvidenceKit()
        let result = try await capture("clean,error", kit: kit, skips: [:])
        guard case .failure(.fingerprintCapture(let error)) = result else {
            Issue.record("expected the capture to stop, got \(result)")
            return
        }
        #expect(error.partial.keptFingers.isEmpty)
        #expect(try kit.kinds().isEmpty)
    }
}
