/// Turns pen samples into button presses: a press counts when the pen goes down inside a button and comes
/// up inside the same button.
///
/// Project convention for the STU prompt buttons; pen-down/up from the tip switch (`sw`) of STU pen reports
/// (Wacom STU interface, reports 0x01/0x34). When the up report has left proximity (rdy = 0) its coordinates
/// are not trusted and the last touching position is used.
public struct STUPromptHitTester<ButtonID: Hashable & Sendable>: Sendable {
    /// The buttons with their hit rectangles in screen pixels.
    public let buttons: [(id: ButtonID, rect: STUPixelRect)]
    /// Maps tablet units to screen pixels.
    public let mapper: STUCoordinateMapper

    private var pressedButton: ButtonID?
    private var isDown = false
    private var lastDownPoint: STUScreenPoint?

    public init(buttons: [(id: ButtonID, rect: STUPixelRect)], mapper: STUCoordinateMapper) {
        self.buttons = buttons
        self.mapper = mapper
    }

    /// Whether the pen is currently down.
    public var isPenDown: Bool { isDown }

    /// Feeds one sample; returns the button that was pressed when this sample completes a press.
    public mutating func process(_ sample: STUPenSample) -> ButtonID? {
        let point = mapper.screenPoint(for: sample)
        if sample.sw {
            if !isDown {
                isDown = true
                pressedButton = button(at: point)
            }
            lastDownPoint = point
            return nil
        }
        guard isDown else { return nil }
        isDown = false
        let upPoint = sample.rdy ? point : (lastDownPoint ?? point)
        let pressed = pressedButton
        pressedButton = nil
        lastDownPoint = nil
        guard let pressed, let released = button(at: upPoint), released == pressed else { return nil }
        return pressed
    }

    /// The button under a screen point, if any (first match in declaration order).
    public func button(at point: STUScreenPoint) -> ButtonID? {
        buttons.first { $0.rect.contains(point) }?.id
    }
}

extension STUPromptHitTester where ButtonID == STUPromptButtonKind {
    /// A hit tester for the buttons of a rendered prompt.
    public init(layout: STUPromptLayout, mapper: STUCoordinateMapper) {
        self.init(buttons: layout.buttons.map { (id: $0.kind, rect: $0.rect) }, mapper: mapper)
    }
}
