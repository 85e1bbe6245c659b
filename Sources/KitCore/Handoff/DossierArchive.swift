/// The hand-off dossier container (docs/handoff.md, "Container"): a POSIX ustar archive
/// (IEEE Std 1003.1-2001 §pax, ustar format) written in one canonical form — regular files only,
/// mode 0644, uid/gid 0, mtime 0, no user or group names, zero padding, two zero blocks at the
/// end and nothing after them. The reader accepts only that form (it re-encodes every header and
/// compares), so one changed byte anywhere, padding included, is refused.
public enum DossierArchive {
    /// One file of the archive.
    public struct Member: Sendable, Equatable {
        public var name: String
        public var bytes: [UInt8]
        public init(name: String, bytes: [UInt8]) {
            self.name = name
            self.bytes = bytes
        }
    }

    static let block = 512
    /// Longest member name (the ustar name field; the prefix field is never used).
    public static let maximumNameLength = 99
    /// Largest member accepted when reading (the ustar size field holds 11 octal digits).
    public static let maximumMemberSize = 1 << 33

    /// The canonical archive of `members`, in their order.
    public static func write(_ members: [Member]) throws(DossierError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(members.reduce(1024) { $0 + 512 + $1.bytes.count + 511 })
        for member in members {
            out += try header(name: member.name, size: member.bytes.count)
            out += member.bytes
            out += [UInt8](repeating: 0, count: padding(member.bytes.count))
        }
        out += [UInt8](repeating: 0, count: 2 * block)
        return out
    }

    /// The members of a canonical archive, in order.
    public static func read(_ bytes: [UInt8]) throws(DossierError) -> [Member] {
        var members: [Member] = []
        var offset = 0
        while true {
            guard offset + block <= bytes.count else {
                throw .archive("the archive ends inside a header at byte \(offset)")
            }
            let headerBytes = Array(bytes[offset..<(offset + block)])
            if headerBytes.allSatisfy({ $0 == 0 }) {
                guard bytes.count == offset + 2 * block,
                    bytes[(offset + block)...].allSatisfy({ $0 == 0 })
                else {
                    throw .archive("the archive must end with exactly two zero blocks (byte \(offset))")
                }
                return members
            }
            let name = try field(headerBytes, 0, 100, "name", offset)
            let sizeText = try field(headerBytes, 124, 12, "size", offset)
            guard sizeText.count == 11, let size = Int(sizeText, radix: 8), size <= maximumMemberSize else {
                throw .archive("member header at byte \(offset) has an invalid size field")
            }
            guard try header(name: name, size: size) == headerBytes else {
                throw .archive("member header at byte \(offset) is not in the canonical form (or is damaged)")
            }
            let start = offset + block
            let end = start + size
            guard end + padding(size) <= bytes.count else {
                throw .archive("member \(name) is cut short")
            }
            guard bytes[end..<(end + padding(size))].allSatisfy({ $0 == 0 }) else {
                throw .archive("the padding after member \(name) is not zero")
            }
            members.append(Member(name: name, bytes: Array(bytes[start..<end])))
            offset = end + padding(size)
        }
    }

    static func padding(_ size: Int) -> Int { (block - size % block) % block }

    static func field(_ header: [UInt8], _ start: Int, _ length: Int, _ what: String, _ offset: Int)
        throws(DossierError) -> String
    {
        let raw = header[start..<(start + length)]
        let text = raw.prefix { $0 != 0 }
        guard let string = String(validating: Array(text), as: UTF8.self) else {
            throw .archive("member header at byte \(offset): the \(what) field is not UTF-8")
        }
        return string
    }

    static func header(name: String, size: Int) throws(DossierError) -> [UInt8] {
        let nameBytes = Array(name.utf8)
        guard !nameBytes.isEmpty, nameBytes.count <= maximumNameLength, !nameBytes.contains(0),
            !name.hasPrefix("/"), !name.split(separator: "/").contains("..")
        else {
            throw .archive("member name \(name.debugDescription) is not a relative path of 1 to 99 bytes")
        }
        var header = [UInt8](repeating: 0, count: block)
        func put(_ bytes: [UInt8], at start: Int) {
            for (index, byte) in bytes.enumerated() { header[start + index] = byte }
        }
        func octal(_ value: Int, digits: Int) -> [UInt8] {
            let text = String(value, radix: 8)
            return Array((String(repeating: "0", count: max(0, digits - text.count)) + text).utf8)
        }
        put(nameBytes, at: 0)
        put(Array("0000644".utf8), at: 100)
        put(Array("0000000".utf8), at: 108)
        put(Array("0000000".utf8), at: 116)
        put(octal(size, digits: 11), at: 124)
        put(Array("00000000000".utf8), at: 136)
        put([UInt8](repeating: UInt8(ascii: " "), count: 8), at: 148)
        header[156] = UInt8(ascii: "0")
        put(Array("ustar".utf8) + [0] + Array("00".utf8), at: 257)
        let checksum = header.reduce(0) { $0 + Int($1) }
        put(octal(checksum, digits: 6) + [0, UInt8(ascii: " ")], at: 148)
        return header
    }
}
