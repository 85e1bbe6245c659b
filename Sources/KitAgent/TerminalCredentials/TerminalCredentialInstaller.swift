import Foundation
import KitDrivers

/// Why a terminal certificate could not be imported; nothing in the store was changed.
public enum TerminalCredentialImportError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The chain or link certificate does not load or check (`reason`).
    case invalid(String)
    /// A chain of that name is already in the store.
    case exists(name: String)
    /// The terminal or DV certificate is expired already.
    case expired(holder: String, expiration: NPACVDate)
    /// No chain of that name is in the store.
    case notFound(name: String)
    /// The store cannot be written (`reason`).
    case storage(String)

    public var description: String {
        switch self {
        case .invalid(let reason): return "the terminal certificates cannot be imported: \(reason)"
        case .exists(let name):
            return "a chain named \(name) is in the store already; pass --replace to replace it or --name to keep both"
        case .expired(let holder, let expiration):
            return "the certificate \(holder) expired on \(expiration); import a renewed one"
        case .notFound(let name): return "there is no chain named \(name) in the store"
        case .storage(let reason): return "the terminal-certificate store cannot be written: \(reason)"
        }
    }
}

/// Puts terminal certificate chains and CVCA link certificates into a store folder
/// (`NPATerminalCredentialStore` layout: `chains/NAME/` and `links/*.cvcert`). A chain is checked
/// before anything is written, written into a temporary folder and then renamed into place, so a
/// failed import leaves the store as it was. Folders 0700, the private key 0600.
public struct TerminalCredentialInstaller: Sendable {
    /// The store folder.
    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    /// Imports the chain folder `source` (the four files of `NPATerminalCredentials.FileName`) as
    /// `name` (default: the terminal's holder reference). Returns the chain's name.
    @discardableResult
    public func importChain(
        from source: URL, name: String? = nil, replace: Bool = false, today: Date = Date()
    ) throws(TerminalCredentialImportError) -> String {
        let credentials: NPATerminalCredentials
        do {
            credentials = try NPATerminalCredentials(directory: source)
        } catch {
            throw .invalid(error.description)
        }
        let date = NPACVDate(today)
        for certificate in [credentials.terminal, credentials.documentVerifier]
        where certificate.expirationDate < date {
            throw .expired(holder: certificate.holderReference, expiration: certificate.expirationDate)
        }
        let chainName = name ?? credentials.terminal.holderReference
        try Self.checkName(chainName)
        let manager = FileManager.default
        let chains = directory.appendingPathComponent(NPATerminalCredentialStore.FolderName.chains)
        let target = chains.appendingPathComponent(chainName)
        if manager.fileExists(atPath: target.path), !replace { throw .exists(name: chainName) }
        let staging = chains.appendingPathComponent(".import-\(UUID().uuidString)")
        do {
            try Self.makeFolder(chains)
            try Self.makeFolder(staging)
            for file in [
                NPATerminalCredentials.FileName.cvca, NPATerminalCredentials.FileName.documentVerifier,
                NPATerminalCredentials.FileName.terminal, NPATerminalCredentials.FileName.privateKey,
            ] {
                let bytes = try Data(contentsOf: source.appendingPathComponent(file))
                let destination = staging.appendingPathComponent(file)
                try bytes.write(to: destination, options: .atomic)
                let mode = file == NPATerminalCredentials.FileName.privateKey ? 0o600 : 0o644
                try manager.setAttributes([.posixPermissions: mode], ofItemAtPath: destination.path)
            }
            if manager.fileExists(atPath: target.path) { try manager.removeItem(at: target) }
            try manager.moveItem(at: staging, to: target)
        } catch {
            try? manager.removeItem(at: staging)
            throw .storage("\(error.localizedDescription) (\(directory.path))")
        }
        return chainName
    }

    /// Imports a CVCA link certificate (role CVCA, issued by another CVCA). Returns its file name.
    @discardableResult
    public func importLink(from file: URL) throws(TerminalCredentialImportError) -> String {
        let certificate: NPACVCertificate
        do {
            certificate = try NPACVCertificate(bytes: Array(try Data(contentsOf: file)))
        } catch {
            throw .invalid("\(file.path): \(error)")
        }
        guard certificate.holderAuthorization.role == .cvca,
            certificate.authorityReference != certificate.holderReference
        else {
            throw .invalid(
                "\(file.lastPathComponent) is not a CVCA link certificate (holder \(certificate.holderReference), "
                    + "issuer \(certificate.authorityReference), role \(certificate.holderAuthorization.role))")
        }
        let name = "\(certificate.authorityReference)-\(certificate.holderReference).cvcert"
        try Self.checkName(name)
        let links = directory.appendingPathComponent(NPATerminalCredentialStore.FolderName.links)
        do {
            try Self.makeFolder(links)
            try Data(certificate.encoded).write(to: links.appendingPathComponent(name), options: .atomic)
        } catch {
            throw .storage("\(error.localizedDescription) (\(links.path))")
        }
        return name
    }

    /// Removes the chain `name` (e.g. one that has expired).
    public func removeChain(named name: String) throws(TerminalCredentialImportError) {
        try Self.checkName(name)
        let target = directory.appendingPathComponent(NPATerminalCredentialStore.FolderName.chains)
            .appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: target.path) else { throw .notFound(name: name) }
        do {
            try FileManager.default.removeItem(at: target)
        } catch {
            throw .storage("\(error.localizedDescription) (\(target.path))")
        }
    }

    /// A chain or file name must be one plain path component.
    static func checkName(_ name: String) throws(TerminalCredentialImportError) {
        guard !name.isEmpty, name.utf8.count <= 64, !name.hasPrefix("."), !name.contains("/"),
            name.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7F })
        else { throw .invalid("\"\(name)\" cannot be a name in the store (plain ASCII letters and digits)") }
    }

    static func makeFolder(_ url: URL) throws {
        try FileManager.default.createDirectory(
            at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }
}
