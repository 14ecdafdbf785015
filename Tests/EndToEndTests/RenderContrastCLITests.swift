import Foundation
import OmioFixtures
import Testing

/// Colour and contrast of `render` (issue 14): RGB files print in colour, a flipbook keeps the
/// first frame's limits.
@Suite(.serialized)
struct RenderContrastCLITests {
    /// R = 200 everywhere, G and B in blocks: every colour printed is reddish with R ≈ 200
    /// (per-sample auto-contrast mapped the flat R to black), and both blocks appear.
    @Test func rgbRendersInTrueColour() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/rgb.tif"
        try OddPixels.writeRGB(path, width: 64, height: 64)
        let r = try BinaryRunner.run(["render", path, "--width", "32", "--height", "16"])
        #expect(r.status == 0, "\(r.stderr)")
        let colours = OddPixelCLITests.sgrColours(r.stdout)
        #expect(!colours.isEmpty)
        #expect(colours.allSatisfy { abs($0[0] - 200) <= 4 }, "\(Set(colours.map { $0.description }))")
        #expect(colours.contains { abs($0[1] - 180) <= 4 && abs($0[2] - 160) <= 4 })
        #expect(colours.contains { $0[1] <= 4 && $0[2] <= 4 })
        // One sample alone is grey.
        let g = try BinaryRunner.run(["render", path, "--c", "0", "--width", "32", "--height", "16"])
        #expect(OddPixelCLITests.sgrColours(g.stdout).allSatisfy { $0[0] == $0[1] && $0[1] == $0[2] })
        let n = try BinaryRunner.run(["napari", path, "--no-launch"])
        #expect(n.status == 0, "\(n.stderr)")
        let layers = try OddPixelCLITests.layers(ofLauncher: n.stdout)
        #expect(layers.first?["rgb"] as? Bool == true)
        let limits = (layers.first?["channels"] as? [[String: Any]])?.compactMap { $0["contrast_limits"] as? [Double] }
        #expect(limits == [[0, 255], [0, 255], [0, 255]])
    }

    /// Frame t of the movie holds 1000*t + 0...1023: under frame 0's limits every later frame
    /// is white (per-frame auto-contrast drew each frame as the same ramp).
    @Test func flipbookKeepsTheFirstFramesLimits() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/movie.tif"
        try OddPixels.write(path, width: 32, height: 32, dtype: .uint16, pages: (0..<3).map { t in (0..<1024).map { Double(1000 * t + $0) } })
        let r = try BinaryRunner.run(["render", path, "--t", "0:3", "--width", "16", "--height", "8"]) // half-open: frames 0, 1, 2
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count % 3 == 0)
        let frame0 = OddPixelCLITests.sgrColours(lines.prefix(lines.count / 3).joined(separator: "\n"))
        let frame2 = OddPixelCLITests.sgrColours(lines.suffix(lines.count / 3).joined(separator: "\n"))
        #expect(frame0.contains { $0[0] < 64 }, "frame 0 is a ramp")
        #expect(!frame2.isEmpty && frame2.allSatisfy { $0 == [255, 255, 255] }, "\(Set(frame2.map(\.description)))")
    }
}
