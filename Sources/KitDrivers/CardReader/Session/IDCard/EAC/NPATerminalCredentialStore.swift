import Foundation

/// The Änderungsterminal's terminal credentials for real deployments: several chains (a new CVCA
/// generation, a second document verifier, a renewed terminal certificate beside the old one) and
/// CVCA link certificates, from which the chain for a card is chosen by the trust anchor the card
/// names after PACE (BSI TR-03110-3 §2.3 and §B.11.1: the card answers with the CAR of its most
/// recent and previous CVCA; a card still trusting an older CVCA is led to the newer one by the link
/// certificates, which it then stores as its new trust anchor).
///
/// On disk (``init(directory:)``): either one chain folder (the four files of
/// ``NPATerminalCredentials/FileName``), or a store with one folder per chain under `chains/` and link
/// certificates `*.cvcert` under `links/`; a store may also hold a chain at its top level.
public struct NPATerminalCredentialStore: Sendable {
    /// One chain with the name of its folder.
    public struct Chain: Sendable {
        /// Folder name (or the terminal's holder reference for a chain given in memory).
        public var name: String
        /// The chain and key.
        public var credentials: NPATerminalCredentials

        /// Creates a named chain.
        public init(name: String, credentials: NPATerminalCredentials) {
            self.name = name
            self.credentials = credentials
        }

        /// The day the chain stops working: the earlier expiry of terminal and DV certificate.
        public var expirationDate: NPACVDate {
            min(credentials.terminal.expirationDate, credentials.documentVerifier.expirationDate)
        }

        /// Whether terminal and DV certificate are valid on `date`.
        public func isValid(on date: NPACVDate) -> Bool {
            credentials.terminal.isValid(on: date) && credentials.documentVerifier.isValid(on: date)
        }
    }

    /// The chain chosen for one card, with the link certificates to send before it.
    public struct Selection: Sendable {
        /// The chain.
        public var chain: Chain
        /// CVCA link certificates from the card's trust anchor to the chain's CVCA, in sending order.
        public var links: [NPACVCertificate]
    }

    /// The folder names inside a store.
    public enum FolderName {
        /// One folder per chain.
        public static let chains = "chains"
        /// CVCA link certificates.
        public static let links = "links"
    }

    /// The chains, in the order they were loaded.
    public let chains: [Chain]
    /// The CVCA link certificates (role CVCA, issued by another CVCA).
    public let links: [NPACVCertificate]

    /// The longest chain of link certificates followed (a CVCA generation lasts years; more than a
    /// few links means a configuration error, not a real path).
    public static let maximumLinkPath = 8

    /// A store of `chains` and `links`; every link must be a CVCA certificate issued by another CVCA.
    public init(chains: [Chain], links: [NPACVCertificate] = []) throws(NPAEACError) {
        for link in links {
            guard link.holderAuthorization.role == .cvca, link.authorityReference != link.holderReference else {
                throw .invalidTerminalCredentials(
                    reason:
                        "\(link.holderReference) is not a CVCA link certificate (role \(link.holderAuthorization.role), "
                        + "issued by \(link.authorityReference))")
            }
        }
        var names = Set<String>()
        for chain in chains where !names.insert(chain.name).inserted {
            throw .invalidTerminalCredentials(reason: "two chains are named \(chain.name)")
        }
        self.chains = chains
        self.links = links
    }

    /// A store of a single chain (as before stores existed).
    public init(single credentials: NPATerminalCredentials) {
        chains = [Chain(name: credentials.terminal.holderReference, credentials: credentials)]
        links = []
    }

    /// Loads a chain folder or a store folder (see the type's documentation).
    public init(directory: URL) throws(NPAEACError) {
        let manager = FileManager.default
        var chains: [Chain] = []
        if manager.fileExists(atPath: directory.appendingPathComponent(NPATerminalCredentials.FileName.cvca).path) {
            let credentials = try NPATerminalCredentials(directory: directory)
            chains.append(Chain(name: credentials.terminal.holderReference, credentials: credentials))
        }
        let chainsFolder = directory.appendingPathComponent(FolderName.chains)
        for name in Self.entries(of: chainsFolder) {
            let folder = chainsFolder.appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                continue
            }
            chains.append(Chain(name: name, credentials: try NPATerminalCredentials(directory: folder)))
        }
        var links: [NPACVCertificate] = []
        let linksFolder = directory.appendingPathComponent(FolderName.links)
        for name in Self.entries(of: linksFolder) where name.hasSuffix(".cvcert") {
            let url = linksFolder.appendingPathComponent(name)
            do {
                links.append(try NPACVCertificate(bytes: Array(try Data(contentsOf: url))))
            } catch {
                throw .invalidTerminalCredentials(reason: "the link certificate \(url.path): \(error)")
            }
        }
        guard !chains.isEmpty else {
            throw .invalidTerminalCredentials(
                reason:
                    "no terminal certificate chain in \(directory.path) (expected \(NPATerminalCredentials.FileName.cvca) "
                    + "or folders under \(FolderName.chains)/)")
        }
        try self.init(chains: chains, links: links)
    }

    private static func entries(of folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { !$0.hasPrefix(".") }
            .sorted()
    }

    /// The chain to present when the card has not named a trust anchor yet (its CHAT goes into PACE):
    /// the valid chain that lasts longest.
    public func preferred(on date: NPACVDate) throws(NPAEACError) -> Chain {
        let valid = chains.filter { $0.isValid(on: date) }
        guard let best = Self.longestLasting(valid) else { throw expiredError() }
        return best
    }

    /// The chain for a card that trusts `cardTrustAnchors` (most recent first), valid on `date`:
    /// a chain under one of those CVCAs (the most recent anchor first), else one reached through link
    /// certificates (the shortest path); among equals the one that lasts longest. A card that named
    /// no anchor gets ``preferred(on:)``.
    public func select(cardTrustAnchors: [String], on date: NPACVDate) throws(NPAEACError) -> Selection {
        let valid = chains.filter { $0.isValid(on: date) }
        guard let longestLasting = Self.longestLasting(valid) else { throw expiredError() }
        if cardTrustAnchors.isEmpty { return Selection(chain: longestLasting, links: []) }
        for anchor in cardTrustAnchors {
            if let chain = Self.longestLasting(valid.filter { $0.credentials.cvca.holderReference == anchor }) {
                return Selection(chain: chain, links: [])
            }
        }
        var best: Selection?
        for anchor in cardTrustAnchors {
            for chain in valid {
                guard let path = linkPath(from: anchor, to: chain.credentials.cvca.holderReference) else { continue }
                if let current = best,
                    current.links.count < path.count
                        || (current.links.count == path.count && current.chain.expirationDate >= chain.expirationDate)
                {
                    continue
                }
                best = Selection(chain: chain, links: path)
            }
            if best != nil { break }
        }
        if let best { return best }
        throw .noTerminalChainForCard(
            cardTrustAnchors: cardTrustAnchors,
            configured: valid.map(\.credentials.cvca.holderReference).reduce(into: [String]()) {
                if !$0.contains($1) { $0.append($1) }
            })
    }

    /// The link certificates leading from CVCA `anchor` to CVCA `target` (breadth first, at most
    /// ``maximumLinkPath``); nil if none lead there. Empty if they are the same.
    public func linkPath(from anchor: String, to target: String) -> [NPACVCertificate]? {
        if anchor == target { return [] }
        var frontier: [(holder: String, path: [NPACVCertificate])] = [(anchor, [])]
        var seen: Set<String> = [anchor]
        for _ in 0..<Self.maximumLinkPath {
            var next: [(holder: String, path: [NPACVCertificate])] = []
            for (holder, path) in frontier {
                for link in links where link.authorityReference == holder && !seen.contains(link.holderReference) {
                    let extended = path + [link]
                    if link.holderReference == target { return extended }
                    seen.insert(link.holderReference)
                    next.append((link.holderReference, extended))
                }
            }
            if next.isEmpty { return nil }
            frontier = next
        }
        return nil
    }

    /// The chain that lasts longest, or nil for none.
    static func longestLasting(_ chains: [Chain]) -> Chain? {
        chains.max { $0.expirationDate < $1.expirationDate }
    }

    /// The error for a store without a valid chain: names the chain that expired last.
    func expiredError() -> NPAEACError {
        guard let newest = Self.longestLasting(chains) else {
            return .invalidTerminalCredentials(reason: "no terminal certificate chain is configured")
        }
        return .terminalCertificateExpired(
            holder: newest.credentials.terminal.holderReference, expiration: newest.expirationDate)
    }
}
