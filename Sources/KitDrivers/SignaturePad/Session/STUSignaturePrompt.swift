/// The three buttons of the signature prompt.
///
/// Project convention for the STU signature screen (German clerk/citizen UI).
public enum STUPromptButtonKind: Hashable, Sendable, CaseIterable {
    /// Accept the signature.
    case ok
    /// Clear and sign again.
    case retry
    /// Abort signing.
    case cancel
}

/// A button drawn on the prompt and the screen rectangle that accepts taps for it.
///
/// Project convention for the STU signature screen.
public struct STUPromptButton: Hashable, Sendable {
    /// Which button.
    public var kind: STUPromptButtonKind
    /// The text shown.
    public var label: String
    /// Hit rectangle in screen pixels (the drawn frame).
    public var rect: STUPixelRect

    public init(kind: STUPromptButtonKind, label: String, rect: STUPixelRect) {
        self.kind = kind
        self.label = label
        self.rect = rect
    }
}

/// The rendered prompt: the screen image plus where the buttons and the signing area are.
///
/// Upload `image` with `STUImageEncoder`, restrict ink with `STUHandwritingDisplayArea(area: handwritingArea)`,
/// and feed pen samples to `STUPromptHitTester` with `buttons`.
public struct STUPromptLayout: Hashable, Sendable {
    /// The rendered screen.
    public var image: STUScreenImage
    /// Buttons with their hit rectangles, in the order OK, Wiederholen, Abbrechen.
    public var buttons: [STUPromptButton]
    /// The free area in which the citizen signs.
    public var signingArea: STUPixelRect
    /// The y coordinate of the signing line.
    public var signingLineY: Int

    /// The signing area in wire form, for HandwritingDisplayArea (0x2A).
    public var handwritingArea: STURectangle { STURectangle(signingArea) }

    /// The button of a kind.
    public func button(_ kind: STUPromptButtonKind) -> STUPromptButton? {
        buttons.first { $0.kind == kind }
    }
}

/// The signature prompt shown on the pad: a wrapped title sentence, the citizen's name, a signing line and
/// three buttons (OK / Wiederholen / Abbrechen).
///
/// Project convention for the STU signature screen; rendered with `STUGlyphFont`, scaled to the screen
/// (scale 1 on 320 × 200, scale 2 on 800 × 480).
public struct STUSignaturePrompt: Hashable, Sendable {
    /// Sentence above the signing area, e.g. "Ich bestätige die Richtigkeit meiner Angaben."
    public var title: String
    /// Name of the person signing.
    public var citizenName: String
    /// Label of the accept button.
    public var okLabel: String
    /// Label of the retry button.
    public var retryLabel: String
    /// Label of the cancel button.
    public var cancelLabel: String
    /// Most title lines shown; further text is cut and the last line ends in "...".
    public var maximumTitleLines: Int

    public init(
        title: String, citizenName: String, okLabel: String = "OK", retryLabel: String = "Wiederholen",
        cancelLabel: String = "Abbrechen", maximumTitleLines: Int = 3
    ) {
        self.title = title
        self.citizenName = citizenName
        self.okLabel = okLabel
        self.retryLabel = retryLabel
        self.cancelLabel = cancelLabel
        self.maximumTitleLines = maximumTitleLines
    }

    /// Renders the prompt for a model's nominal screen size.
    public func render(for model: STUModel) -> STUPromptLayout {
        render(width: model.screenWidth, height: model.screenHeight, accent: model.isColor ? .darkBlue : .black)
    }

    /// Renders the prompt for a screen of the given size; `accent` colours button frames and labels.
    public func render(width: Int, height: Int, accent: STUColor = .black) -> STUPromptLayout {
        var image = STUScreenImage(width: width, height: height)
        let width = image.width
        let height = image.height
        let scale = max(1, min(width / 320, height / 200))
        let margin = 4 * scale
        let lineHeight = STUGlyphFont.lineHeight * scale
        let textWidth = max(0, width - 2 * margin)

        var y = margin
        for line in titleLines(maxWidth: textWidth, scale: scale) {
            image.drawText(line, x: margin, y: y, scale: scale, with: .black)
            y += lineHeight
        }
        y += scale * 2
        let name = Self.fit(citizenName, maxWidth: textWidth, scale: scale)
        image.drawText(name, x: margin, y: y, scale: scale, with: .black)
        y += lineHeight

        let buttonHeight = lineHeight + 2 * margin
        let buttonTop = max(y, height - margin - buttonHeight)
        let buttonWidth = max(0, (width - 4 * margin) / 3)
        var buttons: [STUPromptButton] = []
        let labels: [(STUPromptButtonKind, String)] = [(.ok, okLabel), (.retry, retryLabel), (.cancel, cancelLabel)]
        for (index, (kind, label)) in labels.enumerated() {
            let rect = STUPixelRect(
                x: margin + index * (buttonWidth + margin), y: buttonTop, width: buttonWidth,
                height: min(buttonHeight, max(0, height - buttonTop)))
            image.stroke(rect, thickness: scale, with: accent)
            let text = Self.fit(label, maxWidth: max(0, rect.width - 2 * scale - 2), scale: scale)
            let textX = rect.x + (rect.width - STUGlyphFont.width(of: text, scale: scale)) / 2
            let textY = rect.y + (rect.height - STUGlyphFont.glyphHeight * scale) / 2 + scale / 2
            image.drawText(text, x: textX, y: textY, scale: scale, with: accent)
            buttons.append(STUPromptButton(kind: kind, label: label, rect: rect))
        }

        let signingTop = min(y + margin, buttonTop)
        let signingArea = STUPixelRect(
            x: margin, y: signingTop, width: textWidth, height: max(0, buttonTop - margin - signingTop))
        let lineY = signingArea.y + signingArea.height * 3 / 4
        if signingArea.height > 0 {
            image.fill(STUPixelRect(x: margin, y: lineY, width: textWidth, height: scale), with: .black)
            image.drawText(
                "X", x: margin + scale, y: lineY - (STUGlyphFont.glyphHeight + 1) * scale, scale: scale, with: .black)
        }
        return STUPromptLayout(image: image, buttons: buttons, signingArea: signingArea, signingLineY: lineY)
    }

    private func titleLines(maxWidth: Int, scale: Int) -> [String] {
        let lines = STUGlyphFont.wrap(title, maxWidth: maxWidth, scale: scale)
        let limit = max(1, maximumTitleLines)
        guard lines.count > limit else { return lines }
        var kept = Array(lines.prefix(limit))
        if let last = kept.popLast() { kept.append(Self.withEllipsis(last, maxWidth: maxWidth, scale: scale)) }
        return kept
    }

    /// The text unchanged when it fits the width, otherwise cut and ending in "...".
    static func fit(_ text: String, maxWidth: Int, scale: Int) -> String {
        STUGlyphFont.width(of: text, scale: scale) <= maxWidth
            ? text : withEllipsis(text, maxWidth: maxWidth, scale: scale)
    }

    /// The text cut as far as needed so that it plus "..." fits the width.
    static func withEllipsis(_ text: String, maxWidth: Int, scale: Int) -> String {
        var kept = text
        while !kept.isEmpty && STUGlyphFont.width(of: kept + "...", scale: scale) > maxWidth {
            kept.removeLast()
        }
        return STUGlyphFont.width(of: kept + "...", scale: scale) <= maxWidth ? kept + "..." : ""
    }
}
