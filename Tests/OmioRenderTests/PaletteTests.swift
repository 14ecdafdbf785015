import Testing
@testable import OmioRender
@testable import OmioRenderQuality

/// xterm-256 quantization and redefinable palette ramps.
struct PaletteTests {
    typealias S = RenderTestSupport

    @Test func knownColoursQuantize() {
        #expect(XTerm256.nearestIndex(to: RGB8(r: 255, g: 0, b: 0)) == 196)
        #expect(XTerm256.nearestIndex(to: S.gray(128)) == 244)
        #expect((232...255).contains(XTerm256.nearestIndex(to: S.gray(120))))
        #expect(XTerm256.nearestIndex(to: .black) == 16)
        #expect(XTerm256.nearestIndex(to: .white) == 231)
        #expect(XTerm256.color(ofIndex: 196) == RGB8(r: 255, g: 0, b: 0))
        #expect(XTerm256.color(ofIndex: 244) == S.gray(128))
    }

    @Test func everyPaletteColourMapsToItself() {
        for i in 16...255 {
            #expect(XTerm256.nearestIndex(to: XTerm256.color(ofIndex: i)) == i)
        }
    }

    @Test func grayRamp() {
        let ramp = PaletteRamp(end: .white)
        #expect(ramp.color(entry: 0) == .black && ramp.color(entry: 239) == .white)
        #expect(ramp.index(of: .black) == 16 && ramp.index(of: .white) == 255)
        #expect(ramp.index(of: S.gray(128)) == 16 + 120) // 128/255 * 239 = 119.97
        #expect(ramp.color(ofIndex: 255) == .white && ramp.color(ofIndex: 16) == .black)
        #expect(ramp.color(ofIndex: 15) == nil)
        let curses = ramp.cursesColors
        #expect(curses.count == 240)
        #expect(curses.first == CursesColor(index: 16, r: 0, g: 0, b: 0))
        #expect(curses.last == CursesColor(index: 255, r: 1000, g: 1000, b: 1000))
    }

    @Test func greenRampProjectsOffRampColours() {
        let ramp = PaletteRamp(end: RGB8(r: 0, g: 255, b: 0), count: 16, firstIndex: 100)
        #expect(ramp.color(entry: 15) == RGB8(r: 0, g: 255, b: 0))
        #expect(ramp.color(entry: 5) == RGB8(r: 0, g: 85, b: 0))
        #expect(ramp.index(of: RGB8(r: 0, g: 85, b: 0)) == 105)
        #expect(ramp.index(of: RGB8(r: 200, g: 85, b: 200)) == 105) // only the green part counts
        #expect(ramp.index(of: RGB8(r: 255, g: 0, b: 0)) == 100)
    }

    @Test func everyRampEntryMapsToItself() {
        for end in [RGB8.white, RGB8(r: 0, g: 255, b: 0), RGB8(r: 255, g: 0, b: 255), RGB8(r: 255, g: 128, b: 0)] {
            let ramp = PaletteRamp(end: end)
            for i in 0..<ramp.count {
                #expect(ramp.index(of: ramp.color(entry: i)) == ramp.firstIndex + i, "\(end) entry \(i)")
            }
        }
    }
}
