/// German names for the checks a kit reports in its device health (`kit-agent doctor` check
/// names) and for their states. The kit sends English technical detail; the back office reads
/// these, IT finds the English behind "Details für die IT".
enum DeviceLabels {
    static func name(_ check: String) -> String {
        switch check {
        case "pcscd": return "Kartendienst (pcscd)"
        case "card-reader": return "Ausweislesegerät"
        case "signature-pad": return "Unterschriften-Pad"
        case "fingerprint-scanner": return "Fingerabdruckscanner"
        case "usb": return "USB-Geräte"
        case "ec-terminal": return "EC-Kartenterminal"
        case "terminal-certificates": return "Zertifikate des EC-Terminals"
        case "camera", "camera-device": return "Kamera"
        case "vpn": return "VPN-Verbindung"
        case "disk": return "Speicherplatz"
        case "clock": return "Uhrzeit des Koffers"
        case "queue": return "Warteschlange"
        case "tls-certificate": return "Koffer-Zertifikat"
        case "server": return "Verbindung zum Server"
        case "agent": return "Koffer-Software"
        default: return "Gerät „\(String(check.prefix(40)))“"
        }
    }

    static func state(_ state: String) -> String {
        switch state.lowercased() {
        case "ok", "ready", "bereit", "idle": return "bereit"
        case "warning": return "braucht bald Aufmerksamkeit"
        case "skipped": return "nicht geprüft"
        // "failure" and any state this server does not know: treated as a failure, as in severity.
        default: return "gestört"
        }
    }

    /// How urgent a reported state is; nil for a healthy (or not checked) device.
    static func severity(_ state: String) -> FleetAction.Severity? {
        switch state.lowercased() {
        case "ok", "ready", "bereit", "idle", "skipped": return nil
        case "warning": return .warning
        default: return .critical
        }
    }
}
