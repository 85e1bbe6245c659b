// libFuzzer targets for the kit's parsers of device input (issue #19). Not part of the package
// build: scripts/fuzz compiles this file together with the pure codec folders of KitDrivers (the
// Wire and Records layers, which need nothing else: the build checks that too) using
// `swiftc -sanitize=fuzzer,address`. One binary, the target chosen by KIT_FUZZ_TARGET.
//
// Each target must never crash, trap, overflow or read out of bounds on any input; where a codec
// has both directions, what it decodes must encode and decode to the same value.

#if canImport(Glibc)
    import Glibc
#endif

enum FuzzTarget: String, CaseIterable {
    case zvtAPDU = "zvt-apdu"
    case zvtTCPStream = "zvt-tcp-stream"
    case zvtSerialStream = "zvt-serial-stream"
    case zvtCapture = "zvt-capture"
    case berTLV = "ber-tlv"
    case iso7816 = "iso7816-apdu"
    case atr = "atr"
    case stuPenStream = "stu-pen-stream"
    case iso19794_7 = "iso19794-7"
    case iso19794_4 = "iso19794-4"
    case wsq = "wsq"
    case png = "png"
    case vpcd = "vpcd"

    func run(_ bytes: [UInt8]) {
        switch self {
        case .zvtAPDU:
            guard let apdu = try? ZVTAPDU.decode(bytes) else { return }
            let again = try? ZVTAPDU.decode(apdu.encode())
            precondition(again == apdu, "ZVT APDU does not survive encode → decode")
            _ = try? ZVTMessage.decode(bytes)
        case .zvtTCPStream:
            var decoder = ZVTFrameDecoder()
            for chunk in Self.chunks(bytes) {
                decoder.feed(chunk)
                for _ in 0...chunk.count {
                    guard let apdu = try? decoder.nextAPDU() else { break }
                    _ = try? ZVTMessage(apdu: apdu)
                }
            }
        case .zvtSerialStream:
            var decoder = ZVTSerialFrameDecoder()
            for chunk in Self.chunks(bytes) {
                decoder.feed(chunk)
                for _ in 0...chunk.count + 1 where decoder.nextEvent() == nil { break }
            }
        case .zvtCapture:
            _ = ZVTCaptureDecoder.decode(bytes, lenient: true)
            _ = ZVTCaptureDecoder.decode(bytes)
        case .berTLV:
            _ = try? BERTLV(bytes: bytes)
        case .iso7816:
            _ = try? ISO7816ResponseAPDU(bytes: bytes)
            _ = try? ISO7816CommandAPDU(bytes: bytes)
        case .atr:
            _ = try? ATR(bytes: bytes)
        case .stuPenStream:
            var decoder = STUPenStreamDecoder()
            for chunk in Self.chunks(bytes) {
                decoder.append(chunk)
                // After an unknown report the decoder skips a byte and resynchronises.
                for _ in 0...chunk.count + 1 {
                    do {
                        guard try decoder.next() != nil else { break }
                    } catch {
                        continue
                    }
                }
            }
        case .iso19794_7:
            guard let record = try? ISO19794_7Record(decoding: bytes) else { return }
            if let encoded = try? record.encoded() {
                precondition((try? ISO19794_7Record(decoding: encoded)) == record, "ISO 19794-7 round trip")
            }
        case .iso19794_4:
            _ = try? FingerImageRecord(decoding: bytes)
        case .wsq:
            _ = try? WSQDecoder.decode(bytes)
        case .png:
            _ = try? PNGDecoder.decodeGrayscale(bytes)
        case .vpcd:
            // The card simulator's side of pcscd's vpcd socket (split and coalesced reads).
            var decoder = VPCDFrameDecoder()
            for chunk in Self.chunks(bytes) {
                decoder.append(chunk)
                for _ in 0...chunk.count + 1 {
                    do {
                        guard try decoder.nextMessage() != nil else { break }
                    } catch {
                        continue
                    }
                }
            }
            _ = try? decoder.finish()
        }
    }

    /// The input cut where its first byte says (so that split and coalesced reads are both tried).
    static func chunks(_ bytes: [UInt8]) -> [[UInt8]] {
        guard let first = bytes.first else { return [] }
        let size = Int(first % 16) + 1
        return stride(from: 1, to: bytes.count, by: size).map { Array(bytes[$0..<min($0 + size, bytes.count)]) }
    }

    static let selected: FuzzTarget = {
        let name = getenv("KIT_FUZZ_TARGET").map { String(cString: $0) } ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: " ")
            fputs("KIT_FUZZ_TARGET must name a target: \(names)\n", stderr)
            exit(2)
        }
        return target
    }()
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    FuzzTarget.selected.run(bytes)
    return 0
}
