import CEAC

/// Terminal Authentication v2 and Chip Authentication v2 through OpenPACE, both roles
/// (BSI TR-03110-2 §3.3 and §3.4; steps as OpenPACE names them in ta.h and ca.h). They run on
/// the context of the preceding PACE, whose ephemeral keys and secure messaging they continue.
extension NPAEACContext {
    // MARK: - Terminal Authentication

    /// Chip: `certificate` is the trust anchor (the CVCA certificate). Terminal: its own certificate
    /// (for the signature algorithm) and its private key (PKCS#8 or SEC 1 DER). Dates are not
    /// checked against the system clock here: the caller checks them (terminal: today; chip: its
    /// own current date, TR-03110-3 §2.5).
    public func initializeTerminalAuthentication(
        certificate: [UInt8], privateKey: [UInt8]? = nil
    ) throws(NPAEACError) {
        let ok = certificate.withUnsafeBufferPointer { anchor in
            if let privateKey {
                return privateKey.withUnsafeBufferPointer { key in
                    EAC_CTX_init_ta(context, key.baseAddress, key.count, anchor.baseAddress, anchor.count)
                }
            }
            return EAC_CTX_init_ta(context, nil, 0, anchor.baseAddress, anchor.count)
        }
        guard ok == 1 else { throw .library(step: "load the certificate and key for terminal authentication") }
        TA_disable_checks(context)
    }

    /// Verifies `certificate` (DER, 7F21) with the trust anchor or the last imported certificate
    /// and makes its key the current one. False: signature or chain wrong.
    public func importCertificate(_ certificate: [UInt8]) -> Bool {
        certificate.withUnsafeBufferPointer { TA_STEP2_import_certificate(context, $0.baseAddress, $0.count) } == 1
    }

    /// Terminal: the ephemeral key pair for Chip Authentication; returns Comp() of the public key
    /// (for MSE:Set AT tag 91; the full key comes from ``chipAuthenticationEphemeralKey()``).
    public func generateChipAuthenticationEphemeralKey() throws(NPAEACError) -> [UInt8] {
        guard let key = Self.consume(TA_STEP3_generate_ephemeral_key(context)) else {
            throw .library(step: "generate the ephemeral key for chip authentication")
        }
        return key
    }

    /// Comp(): the compressed form of an EC public key, its x coordinate (TR-03110-3 §A.2.2.3).
    public func compressedKey(_ key: [UInt8]) throws(NPAEACError) -> [UInt8] {
        guard key.count >= 3, key.count % 2 == 1, key[0] == 0x04 else {
            throw .malformedResponse(
                step: "key compression",
                reason: "not an uncompressed EC point (\(key.count) bytes, first \(key.first ?? 0))")
        }
        return Array(key[1...(key.count / 2)])
    }

    /// Terminal: stores the chip's challenge r_PICC (GET CHALLENGE).
    public func setTerminalAuthenticationNonce(_ nonce: [UInt8]) throws(NPAEACError) {
        guard let input = Self.makeBuffer(nonce) else { throw .library(step: "store the card's challenge") }
        defer { BUF_MEM_free(input) }
        guard TA_STEP4_set_nonce(context, input) == 1 else { throw .library(step: "store the card's challenge") }
    }

    /// Terminal: the signature over ID_PICC = Comp(chip's PACE key) ‖ r_PICC ‖ Comp(ephemeral key)
    /// for EXTERNAL AUTHENTICATE.
    public func terminalSignature(
        compressedEphemeralKey: [UInt8], chipPACEKey: [UInt8]
    ) throws(NPAEACError) -> [UInt8] {
        let chipID = try compressedKey(chipPACEKey)
        guard let own = Self.makeBuffer(compressedEphemeralKey) else { throw .library(step: "sign the challenge") }
        defer { BUF_MEM_free(own) }
        guard let chip = Self.makeBuffer(chipID) else { throw .library(step: "sign the challenge") }
        defer { BUF_MEM_free(chip) }
        guard let signature = Self.consume(TA_STEP5_sign(context, own, chip, nil)) else {
            throw .library(step: "sign the challenge with the terminal key")
        }
        return signature
    }

    /// Chip: a fresh challenge r_PICC (GET CHALLENGE).
    public func terminalAuthenticationNonce() throws(NPAEACError) -> [UInt8] {
        guard let nonce = Self.consume(TA_STEP4_get_nonce(context)) else { throw .library(step: "make a challenge") }
        return nonce
    }

    /// Chip: whether the terminal's signature verifies with the imported terminal key.
    public func verifyTerminalSignature(
        _ signature: [UInt8], compressedEphemeralKey: [UInt8], chipPACEKey: [UInt8]
    ) throws(NPAEACError) -> Bool {
        let ownCompressed = try compressedKey(chipPACEKey)
        guard let terminal = Self.makeBuffer(compressedEphemeralKey), let chip = Self.makeBuffer(ownCompressed),
            let signed = Self.makeBuffer(signature)
        else { throw .library(step: "verify the terminal signature") }
        defer {
            BUF_MEM_free(terminal)
            BUF_MEM_free(chip)
            BUF_MEM_free(signed)
        }
        let result = TA_STEP6_verify(context, terminal, chip, nil, signed)
        guard result >= 0 else { throw .library(step: "verify the terminal signature") }
        return result == 1
    }

    // MARK: - Chip Authentication

    /// Terminal: the ephemeral public key generated during Terminal Authentication.
    public func chipAuthenticationEphemeralKey() throws(NPAEACError) -> [UInt8] {
        guard let key = Self.consume(CA_STEP2_get_eph_pubkey(context)) else {
            throw .library(step: "fetch the ephemeral key of terminal authentication")
        }
        return key
    }

    /// Chip: the static key pair (private key DER, public point).
    public func setChipAuthenticationKey(privateKey: [UInt8], publicKey: [UInt8]) throws(NPAEACError) {
        let ok = privateKey.withUnsafeBufferPointer { secret in
            publicKey.withUnsafeBufferPointer { point in
                CA_set_key(context, secret.baseAddress, secret.count, point.baseAddress, point.count)
            }
        }
        guard ok == 1 else { throw .library(step: "load the chip authentication key") }
    }

    /// Chip: whether the terminal's ephemeral key matches the compressed key announced in TA.
    public func checkTerminalEphemeralKey(_ key: [UInt8], compressed: [UInt8]) throws(NPAEACError) -> Bool {
        guard let full = Self.makeBuffer(key), let short = Self.makeBuffer(compressed) else {
            throw .library(step: "check the terminal's ephemeral key")
        }
        defer {
            BUF_MEM_free(full)
            BUF_MEM_free(short)
        }
        let result = CA_STEP3_check_pcd_pubkey(context, short, full)
        guard result >= 0 else { throw .library(step: "check the terminal's ephemeral key") }
        return result == 1
    }

    /// Chip: key agreement with the terminal's ephemeral key; returns nonce r_PICC and token T_PICC.
    public func chipAuthenticationAnswer(terminalKey: [UInt8]) throws(NPAEACError) -> (nonce: [UInt8], token: [UInt8]) {
        guard let key = Self.makeBuffer(terminalKey) else { throw .library(step: "answer chip authentication") }
        defer { BUF_MEM_free(key) }
        guard CA_STEP4_compute_shared_secret(context, key) == 1 else {
            throw .library(step: "compute the chip authentication secret")
        }
        var nonce: UnsafeMutablePointer<BUF_MEM>?
        var token: UnsafeMutablePointer<BUF_MEM>?
        let ok = CA_STEP5_derive_keys(context, key, &nonce, &token)
        let nonceBytes = Self.consume(nonce)
        let tokenBytes = Self.consume(token)
        guard ok == 1, let nonceBytes, let tokenBytes else {
            throw .library(step: "derive the chip authentication keys")
        }
        return (nonceBytes, tokenBytes)
    }

    /// Terminal: key agreement with the chip's static key, derivation of the new session keys and
    /// check of the chip's token. False: the token does not verify.
    public func completeChipAuthentication(
        chipKey: [UInt8], nonce: [UInt8], token: [UInt8]
    ) throws(NPAEACError) -> Bool {
        guard let key = Self.makeBuffer(chipKey) else { throw .library(step: "complete chip authentication") }
        defer { BUF_MEM_free(key) }
        guard CA_STEP4_compute_shared_secret(context, key) == 1 else {
            throw .library(step: "compute the chip authentication secret")
        }
        guard let nonceBuffer = Self.makeBuffer(nonce), let tokenBuffer = Self.makeBuffer(token) else {
            throw .library(step: "complete chip authentication")
        }
        defer {
            BUF_MEM_free(nonceBuffer)
            BUF_MEM_free(tokenBuffer)
        }
        return CA_STEP6_derive_keys(context, nonceBuffer, tokenBuffer) == 1
    }

    /// Switches secure messaging to the Chip Authentication session keys and resets the SSC.
    public func startChipAuthenticationSecureMessaging() throws(NPAEACError) {
        guard EAC_CTX_set_encryption_ctx(context, EAC_ID_CA) == 1 else {
            throw .library(step: "start secure messaging with the chip authentication keys")
        }
    }
}
