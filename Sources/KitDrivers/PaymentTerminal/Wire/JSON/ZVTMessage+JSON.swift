extension ZVTMessage {
    /// The message as JSON: name, control bytes and typed fields (ZVT spec rev. 13.x chapters 2
    /// and 3). The card number appears only masked; track data, CVV, expiry and chip data, the
    /// terminal password and bytes that did not parse never appear.
    public var jsonValue: ZVTJSONValue {
        var writer = ZVTJSONWriter()
        return writer.message(self)
    }

    /// What of this message could not be decoded, one sentence each; empty when every byte was
    /// understood (unparsed BMP remainders, values that are not what their field demands,
    /// commands outside the ZVT command lists).
    public var decodingIssues: [String] {
        var writer = ZVTJSONWriter()
        _ = writer.message(self)
        return writer.issues
    }

    /// The JSON text of `jsonValue`.
    public func renderJSON(pretty: Bool = true) -> String {
        jsonValue.rendered(pretty: pretty)
    }
}
