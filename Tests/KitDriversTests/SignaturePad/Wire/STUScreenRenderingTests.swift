import Testing

@testable import KitDrivers

@Suite("STU screen image, font, prompt and upload encoding")
struct STUScreenRenderingTests {
    @Test func fontCoversASCIIAndGermanLetters() {
        for scalar in 0x20...0x7E {
            let character = Character(UnicodeScalar(UInt8(scalar)))
            #expect(STUGlyphFont.hasGlyph(for: character), "\(character)")
        }
        for character in "ÄÖÜäöüß" { #expect(STUGlyphFont.hasGlyph(for: character)) }
        for scalar in 0x21...0x7E {
            let rows = STUGlyphFont.glyph(for: Character(UnicodeScalar(UInt8(scalar))))
            #expect(rows.count == STUGlyphFont.glyphHeight)
            #expect(rows.allSatisfy { $0 < 32 })
            #expect(rows.contains { $0 != 0 }, "glyph \(scalar) is empty")
        }
        #expect(STUGlyphFont.glyph(for: "€") == STUGlyphFont.glyph(for: "?"))
        #expect(STUGlyphFont.glyph(for: "Ä") != STUGlyphFont.glyph(for: "A"))
    }

    @Test func wrapsAtSpacesAndBreaksLongWords() {
        let lines = STUGlyphFont.wrap("Ich bestätige die Angaben", maxWidth: 6 * 12 - 1, scale: 1)
        #expect(lines == ["Ich", "bestätige", "die Angaben"])
        #expect(lines.allSatisfy { STUGlyphFont.width(of: $0, scale: 1) <= 71 })
        #expect(STUGlyphFont.wrap("ABCDEFGHIJ", maxWidth: 23, scale: 1) == ["ABCD", "EFGH", "IJ"])
        #expect(STUGlyphFont.width(of: "AB", scale: 2) == 22)
    }

    @Test func drawsTextLinesAndRectangles() {
        var image = STUScreenImage(width: 40, height: 20)
        let width = image.drawText("Hi", x: 1, y: 1, scale: 1, with: .black)
        #expect(width == 11)
        #expect(image[1, 1] == .black)  // top-left of "H"
        #expect(image.inkPixelCount(in: STUPixelRect(x: 0, y: 0, width: 40, height: 20)) > 10)
        image.fill(STUPixelRect(x: -5, y: -5, width: 100, height: 100), with: .white)
        #expect(image.inkPixelCount(in: STUPixelRect(x: 0, y: 0, width: 40, height: 20)) == 0)
        image.drawLine(fromX: 0, y: 0, toX: 39, y: 19, with: .black)
        #expect(image[0, 0] == .black && image[39, 19] == .black)
        image.stroke(STUPixelRect(x: 10, y: 5, width: 10, height: 6), thickness: 1, with: .black)
        #expect(image[10, 5] == .black && image[19, 10] == .black && image[15, 8] == .white)
        image.drawLine(fromX: -1000, y: 5, toX: 5000, y: 5, thickness: 3, with: .black)
        #expect(image[20, 4] == .black && image[20, 6] == .black)
        #expect(image[50, 50] == nil)
    }

    @Test(arguments: [STUModel.stu430, .stu540])
    func promptLayoutFitsTheScreen(model: STUModel) throws {
        let prompt = STUSignaturePrompt(
            title: "Hiermit bestätige ich die Richtigkeit meiner Angaben zur Ummeldung.",
            citizenName: "Jürgen Müller-Weiß")
        let layout = prompt.render(for: model)
        let screen = STUPixelRect(x: 0, y: 0, width: model.screenWidth, height: model.screenHeight)
        #expect(layout.image.width == model.screenWidth && layout.image.height == model.screenHeight)
        #expect(layout.buttons.map(\.kind) == [.ok, .retry, .cancel])
        #expect(layout.buttons.map(\.label) == ["OK", "Wiederholen", "Abbrechen"])
        for button in layout.buttons {
            #expect(button.rect.isInside(screen))
            #expect(button.rect.width > 0 && button.rect.height > 0)
            #expect(!button.rect.intersects(layout.signingArea))
            #expect(layout.image.inkPixelCount(in: button.rect) > 0)
        }
        for (a, b) in [(0, 1), (1, 2), (0, 2)] { #expect(!layout.buttons[a].rect.intersects(layout.buttons[b].rect)) }
        #expect(layout.signingArea.isInside(screen))
        #expect(layout.signingArea.height >= model.screenHeight / 4)
        #expect(layout.signingLineY > layout.signingArea.y && layout.signingLineY < layout.signingArea.maxY)
        let titleBand = STUPixelRect(x: 0, y: 0, width: model.screenWidth, height: layout.signingArea.y)
        #expect(layout.image.inkPixelCount(in: titleBand) > 200)
        let line = STUPixelRect(
            x: layout.signingArea.x, y: layout.signingLineY, width: layout.signingArea.width, height: 1)
        #expect(layout.image.inkPixelCount(in: line) == layout.signingArea.width)
        let area = layout.handwritingArea
        #expect(Int(area.lowerRightX) == layout.signingArea.maxX - 1)
        #expect(Int(area.upperLeftY) == layout.signingArea.y)
    }

    @Test func longTitlesAreCutWithEllipsis() {
        let prompt = STUSignaturePrompt(
            title: String(repeating: "Sehr langer Satz ", count: 30), citizenName: String(repeating: "N", count: 200),
            maximumTitleLines: 2)
        let layout = prompt.render(width: 320, height: 200)
        #expect(layout.buttons.count == 3)
        #expect(layout.signingArea.height > 40)
        #expect(STUSignaturePrompt.fit("Wiederholen", maxWidth: 40, scale: 1) == "Wie...")
        #expect(STUSignaturePrompt.fit("OK", maxWidth: 40, scale: 1) == "OK")
    }

    @Test func degenerateScreensDoNotCrash() {
        for (width, height) in [(0, 0), (1, 1), (10, 300), (300, 10), (-5, 20), (5000, 10)] {
            let layout = STUSignaturePrompt(title: "Titel", citizenName: "Name").render(width: width, height: height)
            #expect(layout.buttons.count == 3)
            #expect(layout.image.width <= STUScreenImage.maximumDimension)
        }
    }

    @Test func monochromeEncodingUsesZeroForBlackMSBFirst() {
        var image = STUScreenImage(width: 10, height: 2)
        image.setPixel(x: 0, y: 0, to: .black)
        image.setPixel(x: 9, y: 0, to: .black)
        image.setPixel(x: 1, y: 1, to: STUColor(red: 100, green: 100, blue: 100))
        let bytes = STUImageEncoder.monochromeBytes(image)
        #expect(bytes == [0x7F, 0xBF, 0xBF, 0xFF])
        #expect(STUImageEncoder.monochromeByteCount(width: 10, height: 2) == 4)
        let raster = try? SignatureImageRaster(stuMonochrome: bytes, width: 10, height: 2)
        #expect(raster?[0, 0] == 0 && raster?[9, 0] == 0 && raster?[1, 0] == 255 && raster?[1, 1] == 0)
    }

    @Test func rgb565IsHighByteFirst() throws {
        var image = STUScreenImage(width: 2, height: 1)
        image.setPixel(x: 0, y: 0, to: STUColor(red: 255, green: 0, blue: 0))
        image.setPixel(x: 1, y: 0, to: STUColor(red: 0, green: 255, blue: 8))
        #expect(STUImageEncoder.rgb565Bytes(image) == [0xF8, 0x00, 0x07, 0xE1])
        #expect(try STUImageEncoder.encode(image, as: .rgb565) == [0xF8, 0x00, 0x07, 0xE1])
        #expect(throws: STUImageError.unsupportedEncoding(.oneBitZlib)) {
            try STUImageEncoder.encode(image, as: .oneBitZlib)
        }
        #expect(throws: STUImageError.emptyImage) {
            try STUImageEncoder.encode(STUScreenImage(width: 0, height: 5), as: .oneBit)
        }
    }

    @Test func splitsAFullScreenIntoBlocks() throws {
        let image = STUScreenImage(width: 800, height: 480)
        let data = try STUImageEncoder.encode(image, as: .oneBit)
        #expect(data.count == 48000)
        let blocks = STUImageEncoder.dataBlocks(for: data)
        #expect(blocks.count == 190)
        #expect(blocks.dropLast().allSatisfy { $0.data.count == 253 })
        #expect(blocks.last?.data.count == 183)
        #expect(blocks.flatMap(\.data) == data)
        let color = STUImageEncoder.dataBlocks(for: try STUImageEncoder.encode(image, as: .rgb565))
        #expect(color.count == (768_000 + 252) / 253)
        #expect(STUImageEncoder.dataBlocks(for: []).isEmpty)
        #expect(STUImageEncoder.dataBlocks(for: [UInt8](repeating: 1, count: 253)).count == 1)
        #expect(STUImageEncoder.dataBlocks(for: [UInt8](repeating: 1, count: 254)).map(\.data.count) == [253, 1])
    }

    @Test func uploadSequenceStartsBlocksEnds() throws {
        let layout = STUSignaturePrompt(title: "Bitte unterschreiben", citizenName: "Erika Mustermann").render(
            for: .stu430)
        let reports = try STUImageEncoder.uploadReports(for: layout.image, encoding: .oneBit)
        #expect(reports.first == [0x25, 0x00])
        #expect(reports.last == [0x27, 0x00])
        #expect(reports.count == 2 + (8000 + 252) / 253)
        #expect(reports.dropFirst().dropLast().allSatisfy { $0.count == 256 && $0[0] == 0x26 })
        let area = STURectangle(upperLeftX: 0, upperLeftY: 0, lowerRightX: 319, lowerRightY: 199)
        let withArea = try STUImageEncoder.uploadReports(for: layout.image, encoding: .oneBit, area: area)
        #expect(withArea.first == STUStartImageDataArea(encoding: .oneBit, area: area).encoded())
        let wrong = STURectangle(upperLeftX: 0, upperLeftY: 0, lowerRightX: 9, lowerRightY: 9)
        #expect(throws: STUImageError.imageDoesNotFit(imageWidth: 320, imageHeight: 200, areaWidth: 10, areaHeight: 10))
        {
            try STUImageEncoder.uploadReports(for: layout.image, encoding: .oneBit, area: wrong)
        }
    }
}
