import Foundation
import OmioEngine
import OmioFixtures
import OmioFormats
import OmioRender
import Testing
@testable import OmioTUI

/// Contrast in the TUI (issues 13 and 14): limits stay while stepping, `a` / `A` recompute,
/// the status line says which is in force, RGB is shown as colour, odd values never trap.
@Suite(.serialized)
struct ContrastStateTests {
    /// A uint16 movie whose frames get brighter: frame t holds 1000*t + 0...1023.
    static func movie(_ dir: String, frames: Int = 6) throws -> String {
        let path = dir + "/movie.tif"
        let (w, h) = (32, 32)
        try OddPixels.write(path, width: w, height: h, dtype: .uint16,
                            pages: (0..<frames).map { t in (0..<(w * h)).map { Double(1000 * t + $0) } })
        return path
    }

    @Test func steppingTKeepsLimitsAndAutoRecomputes() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let d = AppDriver(path: try Self.movie(dir))
        let first = try #require(d.model.viewer?.limits[0])
        #expect(first.low < 50 && first.high > 950 && first.high < 1024)
        #expect(StatusView.statusText(d.model).contains("plane auto \(first.description)"))
        d.press(.char("}"), .char("}"))
        #expect(d.model.viewer?.t == 2)
        #expect(d.model.viewer?.limits[0] == first, "stepping T keeps the limits")
        d.press(.char("a"))
        let recomputed = try #require(d.model.viewer?.limits[0])
        #expect(recomputed.low > 2000 && recomputed.high > 2950, "a: auto of the shown frame")
        #expect(StatusView.statusText(d.model).contains("plane auto"))
        d.press(.char("{"))
        #expect(d.model.viewer?.limits[0] == recomputed)
        // napari gets what the TUI shows.
        #expect(d.model.napariInput(try #require(d.model.viewer)).contrastLimits[0] == recomputed)
        d.press(.char("+"))
        #expect(StatusView.statusText(d.model).contains("manual"))
    }

    @Test func stackAutoCoversTheWholeMovie() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let d = AppDriver(path: try Self.movie(dir))
        d.press(.char("A"))
        let l = try #require(d.model.viewer?.limits[0])
        #expect(l.low < 100 && l.high > 5900, "\(l)")
        #expect(StatusView.statusText(d.model).contains("stack auto \(l.description)"))
        d.press(.char("}"))
        #expect(d.model.viewer?.limits[0] == l)
        #expect(StatusView.statusText(d.model).contains("stack auto"))
    }

    /// RGB: one colour image under 0–255, `c` steps R, G, B as grey, `C` returns to colour.
    @Test func rgbIsShownAsColour() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/rgb.tif"
        try OddPixels.writeRGB(path, width: 64, height: 64)
        let d = AppDriver(path: path)
        let v = try #require(d.model.viewer)
        #expect(v.metadata.isRGB && v.trueColor)
        #expect(v.positionText.hasSuffix("RGB"))
        #expect(StatusView.statusText(d.model).contains("full range 0–255"))
        // Only R is constant: the colour picture is not, so the status line says nothing of it.
        #expect(!StatusView.statusText(d.model).contains("constant"), "\(StatusView.statusText(d.model))")
        let grid = try #require(v.grid)
        // Top-left block: R 200, G 180, B 160; bottom-right: R 200 only.
        let tl = grid[1, 1].bg, br = grid[grid.cols - 2, grid.rows - 2].bg
        #expect(abs(Int(tl.r) - 200) <= 3 && abs(Int(tl.g) - 180) <= 3 && abs(Int(tl.b) - 160) <= 3, "\(tl)")
        #expect(abs(Int(br.r) - 200) <= 3 && br.g <= 3 && br.b <= 3, "\(br)")
        d.press(.char("c"))
        #expect(d.model.viewer?.positionText.hasSuffix("C 1/3") == true)
        let red = try #require(d.model.viewer?.grid)[1, 1].bg
        #expect(red.r == red.g && red.g == red.b && abs(Int(red.r) - 200) <= 3, "R alone is grey: \(red)")
        #expect(StatusView.statusText(d.model).contains("constant plane: 200"), "R alone is constant")
        d.press(.char("C"))
        #expect(d.model.viewer?.trueColor == true)
        // napari is told it is a colour image, under the same limits.
        let spec = NapariLayerSpec(metadata: v.metadata, sourcePath: path, storePath: dir + "/s", levels: [],
                                   contrastLimits: (0..<3).map { d.model.viewer!.currentLimits[$0]! })
        #expect(spec.rgb && spec.json["rgb"] == .bool(true))
        #expect(spec.channels.allSatisfy { $0.contrastLimits == ContrastLimits(0, 255) })
    }

    /// float32 ±3.4e38 with NaN/Inf trapped the TUI (exit 132); an all-NaN plane and a
    /// constant plane say so in the status line.
    @Test func oddFloatPlanesNeverTrap() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (w, h) = (40, 20)
        let path = dir + "/odd.tif"
        try OddPixels.write(path, width: w, height: h, dtype: .float32,
                            pages: [OddPixels.extremes(.float32, count: w * h), Array(repeating: .nan, count: w * h),
                                    Array(repeating: 7, count: w * h)])
        let d = AppDriver(path: path)
        let l = try #require(d.model.viewer?.limits[0])
        #expect(l.low.isFinite && l.high.isFinite && l.high > l.low)
        d.press(.char("}"), .char("a"))
        #expect(StatusView.statusText(d.model).contains("no finite values"))
        d.press(.char("}"), .char("a"))
        #expect(StatusView.statusText(d.model).contains("constant plane: 7"))
        d.press(.char("A"), .char("m"), .char("+"), .char("-"))
        #expect(d.model.viewer?.grid != nil && d.model.viewer?.error == nil)
    }

    /// Valid but absurd pixel sizes (1e308 µm next to 5e-324 µm) made the preview's size
    /// inf or NaN, which `Int()` traps on.
    @Test func absurdPixelSizesFitThePreview() {
        for (x, y) in [(1e308, 5e-324), (5e-324, 1e308), (1e308, 1e308), (Double.leastNonzeroMagnitude, 1)] {
            let m = ImageMetadata(path: "a.tif", format: .tiff, shape: Shape(y: 300, x: 400), dtype: .uint16,
                                  physicalSizeX: x, physicalSizeY: y, physicalSizeZ: 1)
            let f = PreviewGeometry.fit(m, width: 120, height: 40)
            #expect(f.cols >= 1 && f.cols <= 120 && f.rows >= 1 && f.rows <= 40, "\(x) \(y)")
            _ = PreviewGeometry.scaleBar(m, viewportWidth: 400, cols: f.cols)
            #expect((1.0 / 1024...1024).contains(PreviewGeometry.pixelAspect(m)))
        }
    }
}
