import CEAC
import Foundation

/// One run of the BSI eID protocols through OpenPACE (`EAC_CTX`): the PACE steps of
/// BSI TR-03110-2 §3.2 (both roles: OpenPACE implements terminal and chip alike) and the
/// secure-messaging primitives of TR-03110-3 §F.2 (SSC, AES-CBC with SSC-derived IV, CMAC).
///
/// Not thread-safe: one owner (a session actor or the card simulator's I/O thread) uses it.
/// Key material stays inside OpenPACE and is wiped by `EAC_CTX_clear_free`.
public final class NPAEACContext: @unchecked Sendable {
    let context: UnsafeMutablePointer<EAC_CTX>

    private static let libraryReady: Bool = {
        EAC_init()
        return true
    }()

    /// Sets the context up for PACE from EF.CardAccess (TR-03110-3 §A.1.2): OpenPACE picks the
    /// PACEInfo and standardized domain parameters from the file.
    public init(cardAccess: [UInt8]) throws(NPAPACEError) {
        _ = Self.libraryReady
        guard let context = EAC_CTX_new() else { throw .library(step: "create the EAC context") }
        let ok = cardAccess.withUnsafeBufferPointer { buffer in
            EAC_CTX_init_ef_cardaccess(buffer.baseAddress, buffer.count, context)
        }
        guard ok == 1 else {
            EAC_CTX_clear_free(context)
            throw .library(step: "read the PACE parameters from EF.CardAccess")
        }
        self.context = context
    }

    deinit {
        EAC_CTX_clear_free(context)
    }

    /// Registers OpenPACE's object identifiers (NIDs) with OpenSSL; needed before using them.
    public static func initializeLibrary() {
        _ = libraryReady
    }

    // MARK: - PACE (TR-03110-2 §3.2.1, steps as named by OpenPACE)

    /// Chip: chooses the nonce s and returns z = E(K_π, s) (GENERAL AUTHENTICATE step 1, tag 80).
    public func encryptNonce(_ password: NPAPACEPasswordSecret) throws(NPAPACEError) -> [UInt8] {
        try take(PACE_STEP1_enc_nonce(context, password.raw), step: "encrypt the PACE nonce")
    }

    /// Terminal: decrypts the chip's nonce with the password-derived key.
    public func decryptNonce(_ encrypted: [UInt8], password: NPAPACEPasswordSecret) throws(NPAPACEError) {
        try check(encrypted, step: "decrypt the PACE nonce") { PACE_STEP2_dec_nonce(context, password.raw, $0) }
    }

    /// Either side: the mapping public key (tag 81 terminal → chip, tag 82 chip → terminal).
    public func generateMappingData() throws(NPAPACEError) -> [UInt8] {
        try take(PACE_STEP3A_generate_mapping_data(context), step: "generate the PACE mapping data")
    }

    /// Either side: maps the generator with the other side's mapping data (generic mapping).
    public func mapGenerator(otherMappingData: [UInt8]) throws(NPAPACEError) {
        try check(otherMappingData, step: "map the PACE generator") { PACE_STEP3A_map_generator(context, $0) }
    }

    /// Either side: the ephemeral public key (tag 83 terminal → chip, tag 84 chip → terminal).
    public func generateEphemeralKey() throws(NPAPACEError) -> [UInt8] {
        try take(PACE_STEP3B_generate_ephemeral_key(context), step: "generate the PACE ephemeral key")
    }

    /// Either side: computes the shared secret from the other side's ephemeral public key.
    public func computeSharedSecret(otherPublicKey: [UInt8]) throws(NPAPACEError) {
        try check(otherPublicKey, step: "compute the PACE shared secret") {
            PACE_STEP3B_compute_shared_secret(context, $0)
        }
    }

    /// Either side: derives K_Enc and K_MAC from the shared secret.
    public func deriveKeys() throws(NPAPACEError) {
        guard PACE_STEP3C_derive_keys(context) == 1 else { throw .library(step: "derive the PACE session keys") }
    }

    /// Either side: the authentication token over the other side's ephemeral public key (tags 85 / 86).
    public func authenticationToken(otherPublicKey: [UInt8]) throws(NPAPACEError) -> [UInt8] {
        let input = try Self.buffer(otherPublicKey, step: "compute the PACE authentication token")
        defer { BUF_MEM_free(input) }
        return try take(
            PACE_STEP3D_compute_authentication_token(context, input), step: "compute the PACE authentication token")
    }

    /// Either side: whether the other side's token is right (false: wrong password or tampering).
    public func verifyAuthenticationToken(_ token: [UInt8]) throws(NPAPACEError) -> Bool {
        let input = try Self.buffer(token, step: "verify the PACE authentication token")
        defer { BUF_MEM_free(input) }
        let result = PACE_STEP3D_verify_authentication_token(context, input)
        guard result >= 0 else { throw .library(step: "verify the PACE authentication token") }
        return result == 1
    }

    /// Switches secure messaging to the PACE session keys and resets the SSC to zero.
    public func startPACESecureMessaging() throws(NPAPACEError) {
        guard EAC_CTX_set_encryption_ctx(context, EAC_ID_PACE) == 1 else {
            throw .library(step: "start secure messaging with the PACE keys")
        }
    }

    // MARK: - Secure messaging primitives (TR-03110-3 §F.2)

    /// Block size of the session cipher (16 for AES, 8 for 3DES).
    public var blockSize: Int {
        guard let key = context.pointee.key_ctx, let cipher = key.pointee.cipher else { return 16 }
        return Int(EVP_CIPHER_get_block_size(cipher))
    }

    /// Increments the send sequence counter (before every command and every response).
    public func incrementSSC() throws(NPASecureMessagingError) {
        guard EAC_increment_ssc(context) == 1 else { throw .library(step: "increment the send sequence counter") }
    }

    /// Encrypts padded data with K_Enc (IV = E(K_Enc, SSC) for AES).
    public func encrypt(_ padded: [UInt8]) throws(NPASecureMessagingError) -> [UInt8] {
        try smTake(padded, step: "encrypt") { EAC_encrypt(context, $0) }
    }

    /// Decrypts data with K_Enc; the result is still padded.
    public func decrypt(_ encrypted: [UInt8]) throws(NPASecureMessagingError) -> [UInt8] {
        try smTake(encrypted, step: "decrypt") { EAC_decrypt(context, $0) }
    }

    /// The 8-byte MAC of SSC ‖ padded data with K_MAC.
    public func mac(_ padded: [UInt8]) throws(NPASecureMessagingError) -> [UInt8] {
        try smTake(padded, step: "compute the MAC") { EAC_authenticate(context, $0) }
    }

    // MARK: - BUF_MEM plumbing

    static func buffer(_ bytes: [UInt8], step: String) throws(NPAPACEError) -> UnsafeMutablePointer<BUF_MEM> {
        guard let buffer = makeBuffer(bytes) else { throw .library(step: step) }
        return buffer
    }

    static func makeBuffer(_ bytes: [UInt8]) -> UnsafeMutablePointer<BUF_MEM>? {
        guard let buffer = BUF_MEM_new() else { return nil }
        guard bytes.isEmpty || BUF_MEM_grow(buffer, bytes.count) == bytes.count, let data = buffer.pointee.data
        else {
            if bytes.isEmpty { return buffer }
            BUF_MEM_free(buffer)
            return nil
        }
        bytes.withUnsafeBytes { source in
            if let base = source.baseAddress { memcpy(data, base, bytes.count) }
        }
        return buffer
    }

    /// Copies and frees (wiping) a buffer OpenPACE returned.
    static func consume(_ buffer: UnsafeMutablePointer<BUF_MEM>?) -> [UInt8]? {
        guard let buffer else { return nil }
        defer { BUF_MEM_clear_free(buffer) }
        guard let data = buffer.pointee.data else { return [] }
        return Array(UnsafeRawBufferPointer(start: data, count: buffer.pointee.length))
    }

    private func take(_ buffer: UnsafeMutablePointer<BUF_MEM>?, step: String) throws(NPAPACEError) -> [UInt8] {
        guard let bytes = Self.consume(buffer) else { throw .library(step: step) }
        return bytes
    }

    private func check(
        _ bytes: [UInt8], step: String, _ call: (UnsafeMutablePointer<BUF_MEM>) -> Int32
    ) throws(NPAPACEError) {
        let input = try Self.buffer(bytes, step: step)
        defer { BUF_MEM_free(input) }
        guard call(input) == 1 else { throw .library(step: step) }
    }

    private func smTake(
        _ bytes: [UInt8], step: String, _ call: (UnsafeMutablePointer<BUF_MEM>) -> UnsafeMutablePointer<BUF_MEM>?
    ) throws(NPASecureMessagingError) -> [UInt8] {
        guard let input = Self.makeBuffer(bytes) else { throw .library(step: step) }
        defer { BUF_MEM_free(input) }
        guard let output = Self.consume(call(input)) else { throw .library(step: step) }
        return output
    }
}

/// A PACE password held inside OpenPACE (`PACE_SEC`), wiped when released
/// (TR-03110-2 §3.2: CAN, PIN, PUK or MRZ as the shared secret π).
public final class NPAPACEPasswordSecret: @unchecked Sendable {
    /// Which password this is.
    public let kind: NPAPACEPassword
    let raw: UnsafeMutablePointer<PACE_SEC>

    /// Wraps `digits` (CAN 6, PIN 5 or 6, PUK 10 digits; checked by the caller).
    public init(_ kind: NPAPACEPassword, digits: String) throws(NPAPACEError) {
        let type: s_type
        switch kind {
        case .mrz: type = PACE_MRZ
        case .can: type = PACE_CAN
        case .pin: type = PACE_PIN
        case .puk: type = PACE_PUK
        }
        let utf8 = Array(digits.utf8)
        let secret = utf8.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { PACE_SEC_new($0.baseAddress, $0.count, type) }
        }
        guard let secret else { throw .library(step: "prepare the PACE password") }
        self.kind = kind
        self.raw = secret
    }

    deinit {
        PACE_SEC_clear_free(raw)
    }
}
