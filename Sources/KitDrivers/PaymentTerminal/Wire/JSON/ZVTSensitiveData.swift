/// Card data that never appears in decoded output (PCI DSS: no track data, no CVV; the card
/// number only masked). BMP numbers from ZVT spec rev. 13.x "Bitmaps"; TLV tags from EMV.
enum ZVTSensitiveData {
    /// BMPs printed only as "redacted" with their length: 0E expiry, 23 track 2, 24 track 3,
    /// 2D track 1, 3A CVV/CVC, A7 chip data.
    static let redactedBMPs: Set<UInt8> = [0x0E, 0x23, 0x24, 0x2D, 0x3A, 0xA7]
    /// EMV tags inside TLV containers that carry card data: 56 track 1, 57 track 2 equivalent,
    /// 5A PAN, 5F20 card holder name, 5F24 expiry, 9F1F track 1 discretionary, 9F6B track 2.
    static let redactedTLVTags: Set<UInt32> = [0x56, 0x57, 0x5A, 0x5F20, 0x5F24, 0x9F1F, 0x9F6B]
}
