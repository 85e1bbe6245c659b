import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// libFuzzer targets for what meets the sync server from the network (issue #19): the envelope a
/// kit sends and the JSON bodies of ingest, enrollment, the kit report and the checkout answer the
/// kit reads. Built by `scripts/fuzz` from KitCore's sources (instrumented) against the
/// swift-crypto objects SwiftPM built (not instrumented). KIT_FUZZ_TARGET names the target.
enum CoreFuzzTarget: String, CaseIterable {
    case envelope = "envelope"
    case envelopeProof = "envelope-proof"
    case ingestBody = "ingest-body"
    case enrollmentBody = "enrollment-body"
    case kitReport = "kit-report"
    case checkoutPage = "checkout-page"

    func run(_ bytes: [UInt8]) {
        switch self {
        case .envelope:
            guard let envelope = try? TransactionEnvelope(decoding: bytes) else { return }
            // What decodes encodes back to the same bytes (the chain hash depends on it).
            precondition(
                (try? TransactionEnvelope(decoding: envelope.encoded())) == envelope, "envelope round trip")
            _ = envelope.hash
            _ = TransactionEnvelope.chainHash(ofEncoded: bytes)
        case .envelopeProof:
            _ = try? TransactionEnvelopeProof(decoding: bytes)
        case .ingestBody:
            _ = try? WireCoding.decoder().decode(IngestBatch.self, from: Data(bytes))
        case .enrollmentBody:
            _ = try? WireCoding.decoder().decode(EnrollmentRequest.self, from: Data(bytes))
        case .kitReport:
            _ = try? WireCoding.decoder().decode(KitReport.self, from: Data(bytes))
        case .checkoutPage:
            _ = try? WireCoding.decoder().decode(CheckoutPage.self, from: Data(bytes))
        }
    }

    static let selected: CoreFuzzTarget = {
        let name = getenv("KIT_FUZZ_TARGET").map { String(cString: $0) } ?? ""
        guard let target = CoreFuzzTarget(rawValue: name) else {
            fputs("KIT_FUZZ_TARGET must name a target: \(allCases.map(\.rawValue).joined(separator: " "))\n", stderr)
            exit(2)
        }
        return target
    }()
}

@_cdecl("LLVMFuzzerTestOneInput")
public func coreFuzzTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    CoreFuzzTarget.selected.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
