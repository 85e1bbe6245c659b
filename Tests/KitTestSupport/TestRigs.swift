import Foundation

/// One rule for tests that need a rig (pcscd with vpcd, umockdev, libfprint's virtual device,
/// PostgreSQL, NBIS, network namespaces, a tmpfs …), issue #19 "no silent skips":
///
/// - Under `scripts/test` (and so in CI, which runs it) `KIT_REQUIRE_RIGS=1` is set: every rig is
///   required, and a test whose rig is missing fails with a sentence naming what to install.
/// - Elsewhere (`swift test` on a developer's machine) a test without its rig is *skipped*, and
///   Swift Testing reports the skip with its reason: it never returns early as if it had passed.
///
/// The rig helpers (`PCSCTestRig`, `PostgresCluster`, the NBIS and camera checks …) read `required`;
/// `reason(_:)` words the sentence a skipped or failing test gives.
public enum TestRigs {
    /// The switch `scripts/test` sets; nothing else (no `CI` variable) decides it.
    public static let environmentVariable = "KIT_REQUIRE_RIGS"

    /// Whether a missing rig fails (under `scripts/test`) instead of skipping.
    public static var required: Bool {
        let value = ProcessInfo.processInfo.environment[environmentVariable] ?? ""
        return !value.isEmpty && value != "0" && value.lowercased() != "false"
    }

    /// The sentence a skipped or failing test gives for a missing rig.
    public static func reason(_ missing: String?) -> String {
        guard let missing else { return "rig present" }
        return required
            ? "\(missing) (required: \(environmentVariable) is set, as under scripts/test)"
            : "skipped: \(missing); scripts/test requires it"
    }
}
