import Foundation
import KitAgent
import KitCore
import KitDrivers
import KitSimulators
import Logging
import Testing

/// `kit-agent terminal-certificates import|remove` (the installer) and the doctor's expiry check.
@Suite("Terminal certificates: import into the store, expiry in doctor")
struct TerminalCertificateTests {
    static func folder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("terminal-\(UUID().uuidString)")
    }

    @Test("an imported chain and link load as a store; the key is 0600; a second import of the same name is refused")
    func importChainAndLink() throws {
        let root = Self.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        let first = try CardSimulatorTerminalPKI.generate(cvcaHolder: "DEKITCVCA00001")
        let second = try first.nextGeneration(cvcaHolder: "DEKITCVCA00002")
        try first.write(to: root.appendingPathComponent("delivery-1"))
        try second.write(to: root.appendingPathComponent("delivery-2"))
        let linkFile = root.appendingPathComponent("link.cvcert")
        try Data(try #require(second.link).encoded).write(to: linkFile)
        let installer = TerminalCredentialInstaller(directory: root.appendingPathComponent("store"))

        let name = try installer.importChain(from: root.appendingPathComponent("delivery-1"))
        #expect(name == first.terminal.holderReference)
        try installer.importChain(from: root.appendingPathComponent("delivery-2"), name: "generation-2")
        #expect(try installer.importLink(from: linkFile) == "DEKITCVCA00001-DEKITCVCA00002.cvcert")
        #expect(throws: TerminalCredentialImportError.exists(name: "generation-2")) {
            try installer.importChain(from: root.appendingPathComponent("delivery-2"), name: "generation-2")
        }
        try installer.importChain(from: root.appendingPathComponent("delivery-2"), name: "generation-2", replace: true)

        let store = try NPATerminalCredentialStore(directory: installer.directory)
        #expect(store.chains.map(\.name).sorted() == ["generation-2", name].sorted())
        #expect(store.links.map(\.holderReference) == ["DEKITCVCA00002"])
        let key = installer.directory.appendingPathComponent("chains/generation-2/terminal.pkcs8")
        let mode = try FileManager.default.attributesOfItem(atPath: key.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        // No staging folder is left behind.
        let entries = try FileManager.default.contentsOfDirectory(
            atPath: installer.directory.appendingPathComponent("chains").path)
        #expect(!entries.contains { $0.hasPrefix(".import-") })

        try installer.removeChain(named: name)
        #expect(try NPATerminalCredentialStore(directory: installer.directory).chains.map(\.name) == ["generation-2"])
        #expect(throws: TerminalCredentialImportError.notFound(name: name)) { try installer.removeChain(named: name) }
    }

    @Test("broken, expired or misnamed input changes nothing in the store")
    func hostileImports() throws {
        let root = Self.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        let installer = TerminalCredentialInstaller(directory: root.appendingPathComponent("store"))
        let expired = try CardSimulatorTerminalPKI.generate(terminalValidity: -60...(-1))
        try expired.write(to: root.appendingPathComponent("expired"))
        #expect(throws: TerminalCredentialImportError.self) {
            try installer.importChain(from: root.appendingPathComponent("expired"))
        }
        let good = try CardSimulatorTerminalPKI.generate()
        let broken = root.appendingPathComponent("broken")
        try good.write(to: broken)
        try Data([0x7F, 0x21, 0x05, 0x00]).write(to: broken.appendingPathComponent("dv.cvcert"))
        #expect(throws: TerminalCredentialImportError.self) { try installer.importChain(from: broken) }
        try good.write(to: root.appendingPathComponent("good"))
        #expect(throws: TerminalCredentialImportError.self) {
            try installer.importChain(from: root.appendingPathComponent("good"), name: "../escape")
        }
        // A terminal certificate is not a link certificate.
        let notALink = root.appendingPathComponent("terminal.cvcert")
        try Data(good.terminal.encoded).write(to: notALink)
        #expect(throws: TerminalCredentialImportError.self) { try installer.importLink(from: notALink) }
        let chains = installer.directory.appendingPathComponent("chains").path
        let left = (try? FileManager.default.contentsOfDirectory(atPath: chains)) ?? []
        #expect(left.isEmpty, "nothing was imported: \(left)")
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("escape").path))
    }

    @Test("doctor: ok with days left, a warning inside the window, a failure when every chain has expired")
    func doctorExpiry() async throws {
        let root = Self.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        let installer = TerminalCredentialInstaller(directory: root)
        let pki = try CardSimulatorTerminalPKI.generate(terminalValidity: 0...30)
        try pki.write(to: root.appendingPathComponent("delivery"))
        try installer.importChain(from: root.appendingPathComponent("delivery"), name: "mainz")
        let today = Date()
        let fine = await TerminalCertificateCheck(directory: root.path, warnDays: 14, now: { today }).run()
        #expect(fine.status == .ok, "\(fine.detail)")
        #expect(fine.detail.contains("30 days"))
        let soon = await TerminalCertificateCheck(
            directory: root.path, warnDays: 14, now: { today.addingTimeInterval(20 * 86_400) }
        ).run()
        #expect(soon.status == .warning)
        #expect(soon.detail.contains(pki.terminal.holderReference))
        #expect(soon.detail.contains("in 10 days"))
        let late = await TerminalCertificateCheck(
            directory: root.path, warnDays: 14, now: { today.addingTimeInterval(40 * 86_400) }
        ).run()
        #expect(late.status == .failure)
        #expect(late.fix?.contains("terminal-certificates import") == true)
        let none = await TerminalCertificateCheck(directory: nil).run()
        #expect(none.status == .skipped)
        let empty = await TerminalCertificateCheck(directory: root.appendingPathComponent("nothing").path).run()
        #expect(empty.status == .failure)
    }

    @Test("the running agent's device health carries the expiry into the fleet report")
    func fleetReportCarriesExpiry() async throws {
        let root = Self.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        let pki = try CardSimulatorTerminalPKI.generate(terminalValidity: 0...5)
        try pki.write(to: root.appendingPathComponent("delivery"))
        try TerminalCredentialInstaller(directory: root.appendingPathComponent("store"))
            .importChain(from: root.appendingPathComponent("delivery"))
        let monitor = DeviceHealthMonitor.kit(
            stateDirectory: root.path, vpnInterface: nil,
            terminalCredentials: root.appendingPathComponent("store").path,
            logger: .init(label: "test"))
        let devices = await monitor.refresh()
        let entry = try #require(devices.first { $0.device == "terminal-certificates" })
        #expect(entry.state == "warning")
        #expect(entry.detail?.contains("in 5 days") == true)
    }
}
