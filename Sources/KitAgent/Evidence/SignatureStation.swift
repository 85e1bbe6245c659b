import Crypto
import KitCore
import KitDrivers
import Logging

/// One signing at the kitchen table: shows the sentence being confirmed and the citizen's name on
/// the pad, waits for OK, and records the signature bound to that sentence as one outbox
/// transaction (issue #7). A pad unplugged, a cancel or a timeout records nothing.
public struct SignatureStation: Sendable {
    let recorder: EvidenceRecorder
    let runtime: KitRuntime
    let logger: Logger

    public init(runtime: KitRuntime, logger: Logger) {
        self.runtime = runtime
        self.recorder = EvidenceRecorder(runtime: runtime)
        self.logger = logger
    }

    /// What the pad shows: the text being confirmed (its first lines; the clerk's screen shows all of
    /// it), the citizen's name and OK / Wiederholen / Abbrechen.
    public static func prompt(text: String, citizenName: String) -> STUSignaturePrompt {
        STUSignaturePrompt(title: text, citizenName: citizenName)
    }

    /// Captures on an enabled pad and records. `text` is exactly what the citizen confirms.
    public func sign(
        caseId: String, text: String, on pad: STUSignaturePad, timeout: Duration = DeviceWaitPolicy.standard.signature
    ) async throws(EvidenceError) -> Outbox.Receipt {
        let citizenName: String
        do {
            let snapshot = try await runtime.cases.snapshot(caseId: caseId)
            citizenName = "\(snapshot.citizen.givenNames) \(snapshot.citizen.familyName)"
        } catch {
            throw .caseUnavailable(error)
        }
        let digest = Array(SHA256.hash(data: Array(text.utf8)))
        let capture: SignatureRecordCapture
        do {
            capture = try await pad.captureSignature(
                prompt: Self.prompt(text: text, citizenName: citizenName), documentSHA256: digest,
                timeout: timeout)
        } catch {
            logger.notice("signature capture ended without a signature", metadata: ["reason": "\(error)"])
            throw .signaturePad(error)
        }
        let receipt = try await recorder.recordSignature(
            caseId: caseId, signedText: text, capture: capture, padModel: await pad.model?.name)
        logger.info("signature recorded", metadata: ["seq": "\(receipt.seq)"])
        return receipt
    }

    /// Finds the first supported pad, captures and closes the pad again.
    public func signOnConnectedPad(
        caseId: String, text: String, timeout: Duration = DeviceWaitPolicy.standard.signature
    ) async throws(EvidenceError) -> Outbox.Receipt {
        let pad: STUSignaturePad
        do {
            pad = STUSignaturePad(context: try USBEventContext())
        } catch {
            throw .signaturePad(.usb(error))
        }
        do {
            try await pad.open()
            try await pad.claim()
            try await pad.enable()
        } catch {
            await pad.close()
            if case .noPadFound = error { throw .noSignaturePad }
            throw .signaturePad(error)
        }
        do {
            let receipt = try await sign(caseId: caseId, text: text, on: pad, timeout: timeout)
            await pad.close()
            return receipt
        } catch {
            await pad.close()
            throw error
        }
    }
}
