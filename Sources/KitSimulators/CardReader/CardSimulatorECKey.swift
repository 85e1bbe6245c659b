import CEAC
import KitDrivers

/// Why the simulator's test PKI could not be made.
public enum CardSimulatorPKIError: Error, Equatable, Sendable, CustomStringConvertible {
    /// OpenSSL or OpenPACE failed at `step`.
    case library(step: String)
    /// Writing or reading the PKI files failed.
    case file(String)

    public var description: String {
        switch self {
        case .library(let step): return "Making the test terminal PKI failed: OpenSSL could not \(step)."
        case .file(let reason): return "The test terminal PKI files: \(reason)"
        }
    }
}

/// A brainpoolP256r1 key pair in OpenSSL for the simulator's test PKI and chip key: ECDSA with
/// SHA-256 in the plain r ‖ s format of BSI TR-03111 §5.2.1, public keys as CV-certificate key
/// objects (TR-03110-3 §D.3.3). Test keys only: they are generated per run and never leave the kit.
public final class CardSimulatorECKey: @unchecked Sendable {
    private let key: OpaquePointer

    /// Generates a new key pair.
    public init() throws(CardSimulatorPKIError) {
        NPAEACContext.initializeLibrary()
        guard let context = EVP_PKEY_CTX_new_id(EVP_PKEY_EC, nil) else { throw .library(step: "create a key context") }
        defer { EVP_PKEY_CTX_free(context) }
        var key: OpaquePointer?
        guard EVP_PKEY_keygen_init(context) == 1,
            EVP_PKEY_CTX_set_ec_paramgen_curve_nid(context, NID_brainpoolP256r1) == 1,
            EVP_PKEY_keygen(context, &key) == 1, let key
        else { throw .library(step: "generate a brainpoolP256r1 key") }
        self.key = key
    }

    deinit {
        EVP_PKEY_free(key)
    }

    /// The public point, uncompressed (04 ‖ X ‖ Y).
    public func publicPoint() throws(CardSimulatorPKIError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 133)
        var length = 0
        let ok = buffer.withUnsafeMutableBufferPointer { out in
            EVP_PKEY_get_octet_string_param(key, "pub", out.baseAddress, out.count, &length)
        }
        guard ok == 1, length > 0 else { throw .library(step: "export a public key") }
        return Array(buffer.prefix(length))
    }

    /// The key as a CV-certificate public key (7F49) for id-TA-ECDSA-SHA-256, with all domain
    /// parameters (CVCA) or only the public point (DV, terminal).
    public func cvPublicKey(withDomainParameters: Bool) throws(CardSimulatorPKIError) -> NPACVPublicKey {
        guard withDomainParameters else {
            return NPACVPublicKey(
                algorithm: NPACVPublicKey.taECDSASHA256,
                objects: [.primitive(.context(6, constructed: false), try publicPoint())])
        }
        guard let numbers = BN_CTX_new() else { throw .library(step: "create a number context") }
        defer { BN_CTX_free(numbers) }
        // OpenPACE registers its NIDs at run time; look id-TA-ECDSA-SHA-256 up by its OID.
        let protocolNID = OBJ_txt2nid(NPACVPublicKey.taECDSASHA256.dotted)
        guard protocolNID != NID_undef, let object = CVC_pkey2pubkey(1, protocolNID, key, numbers, nil) else {
            throw .library(step: "encode the CVCA public key")
        }
        defer { CVC_PUBKEY_free(object) }
        let length = i2d_CVC_PUBKEY(object, nil)
        guard length > 0 else { throw .library(step: "encode the CVCA public key") }
        var bytes = [UInt8](repeating: 0, count: Int(length))
        let written = bytes.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor = buffer.baseAddress
            return i2d_CVC_PUBKEY(object, &cursor)
        }
        guard written == length else { throw .library(step: "encode the CVCA public key") }
        do {
            return try NPACVPublicKey(tlv: try BERTLV(bytes: bytes))
        } catch {
            throw .library(step: "read back the CVCA public key (\(error))")
        }
    }

    /// ECDSA-SHA-256 signature of `message`, plain r ‖ s (32 bytes each).
    public func sign(_ message: [UInt8]) throws(CardSimulatorPKIError) -> [UInt8] {
        guard let context = EVP_MD_CTX_new() else { throw .library(step: "create a digest context") }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestSignInit(context, nil, EVP_sha256(), nil, key) == 1 else {
            throw .library(step: "start a signature")
        }
        var length = 0
        guard message.withUnsafeBufferPointer({ EVP_DigestSign(context, nil, &length, $0.baseAddress, $0.count) }) == 1
        else { throw .library(step: "size a signature") }
        var der = [UInt8](repeating: 0, count: length)
        let ok = der.withUnsafeMutableBufferPointer { out in
            message.withUnsafeBufferPointer {
                EVP_DigestSign(context, out.baseAddress, &length, $0.baseAddress, $0.count)
            }
        }
        guard ok == 1 else { throw .library(step: "sign") }
        let parsed = der.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var cursor = buffer.baseAddress
            return d2i_ECDSA_SIG(nil, &cursor, length)
        }
        guard let parsed else { throw .library(step: "decode a signature") }
        defer { ECDSA_SIG_free(parsed) }
        var r: OpaquePointer?
        var s: OpaquePointer?
        ECDSA_SIG_get0(parsed, &r, &s)
        var plain = [UInt8](repeating: 0, count: 64)
        let written = plain.withUnsafeMutableBufferPointer { out -> Bool in
            guard let base = out.baseAddress else { return false }
            return BN_bn2binpad(r, base, 32) == 32 && BN_bn2binpad(s, base + 32, 32) == 32
        }
        guard written else { throw .library(step: "encode a signature") }
        return plain
    }

    /// The private key as PKCS#8 DER.
    public func pkcs8() throws(CardSimulatorPKIError) -> [UInt8] {
        guard let info = EVP_PKEY2PKCS8(key) else { throw .library(step: "export the private key") }
        defer { PKCS8_PRIV_KEY_INFO_free(info) }
        let length = i2d_PKCS8_PRIV_KEY_INFO(info, nil)
        guard length > 0 else { throw .library(step: "export the private key") }
        var bytes = [UInt8](repeating: 0, count: Int(length))
        let written = bytes.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor = buffer.baseAddress
            return i2d_PKCS8_PRIV_KEY_INFO(info, &cursor)
        }
        guard written == length else { throw .library(step: "export the private key") }
        return bytes
    }
}
