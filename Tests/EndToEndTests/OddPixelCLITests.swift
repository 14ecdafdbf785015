import Foundation
import OmioFixtures
import OmioFormats
import Testing

/// `render`, `info`, `cache build` and `napari --no-launch` on valid but awkward pixel data
/// (issue 13: float32 ±3.4e38 trapped "Float value cannot be converted to Int").
@Suite(.serialized)
struct OddPixelCLITests {
    @Test(arguments: [PixelType.float32, .float64, .int32, .uint32, .int16, .int8])
    func extremeValuesNeverTrap(dtype: PixelType) throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/odd.tif"
        let (w, h) = (48, 24)
        var pages = [OddPixels.extremes(dtype, count: w * h), Array(repeating: 7, count: w * h)]
        if dtype.isFloat { pages.append(Array(repeating: .nan, count: w * h)) }
        try OddPixels.write(path, width: w, height: h, dtype: dtype, pages: pages)
        let range = "0:\(pages.count - 1)"
        for args in [["render", path, "--t", range, "--width", "30", "--height", "10"],
                     ["render", path, "--t", range, "--contrast", "minmax", "--width", "30", "--height", "10"],
                     ["render", path, "--t", range, "--contrast", "stack", "--width", "30", "--height", "10"],
                     ["render", path, "--contrast=-1e308:1e308", "--width", "30", "--height", "10"],
                     ["info", path], ["info", "--json", path], ["cache", "build", path]] {
            let r = try BinaryRunner.run(args)
            #expect(r.status == 0 && !r.signalled, "\(dtype) \(args.joined(separator: " ")): \(r.stderr)")
        }
        let r = try BinaryRunner.run(["napari", path, "--no-launch"])
        #expect(r.status == 0 && !r.signalled, "\(dtype) napari: \(r.stderr)")
        let layers = try Self.layers(ofLauncher: r.stdout)
        let limits = try #require((layers.first?["channels"] as? [[String: Any]])?.first?["contrast_limits"] as? [Double])
        #expect(limits.count == 2 && limits.allSatisfy(\.isFinite) && limits[0] < limits[1], "\(limits)")
    }

    /// README: +Inf white, -Inf black. A float image whose top half is +Inf renders that half
    /// white (a downsampled cell of +Inf only is +Inf, not NaN), and an all -Inf one black.
    @Test func infinitiesRenderWhiteAndBlack() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (w, h) = (32, 32)
        var v = [Double](repeating: 0, count: w * h)
        for i in 0..<(w * h / 2) { v[i] = .infinity }
        for y in 16..<h { for x in 16..<w { v[y * w + x] = 1 } }
        try OddPixels.write(dir + "/half.tif", width: w, height: h, dtype: .float32, pages: [v])
        try OddPixels.write(dir + "/neg.tif", width: w, height: h, dtype: .float32, pages: [Array(repeating: -.infinity, count: w * h)])
        let args = ["--width", "32", "--height", "16", "--colors", "truecolor", "--contrast", "0:1"]
        let half = try BinaryRunner.run(["render", dir + "/half.tif"] + args)
        #expect(half.status == 0, "\(half.stderr)")
        let rows = half.stdout.split(separator: "\n").map { Self.sgrColours(String($0)) }.filter { !$0.isEmpty }
        #expect(rows.count >= 8, "\(half.stdout)")
        #expect(rows.prefix(rows.count / 2 - 1).allSatisfy { $0.allSatisfy { $0 == [255, 255, 255] } }, "the +Inf half is white: \(rows)")
        let neg = try BinaryRunner.run(["render", dir + "/neg.tif"] + args)
        #expect(neg.status == 0 && Self.sgrColours(neg.stdout).allSatisfy { $0 == [0, 0, 0] }, "\(neg.stdout)")
    }

    /// Every 24-bit colour set by SGR 38;2 / 48;2 in `text`, as [r, g, b].
    static func sgrColours(_ text: String) -> [[Int]] {
        var out: [[Int]] = []
        for part in text.components(separatedBy: "\u{1B}[").dropFirst() {
            guard let m = part.firstIndex(of: "m") else { continue }
            let p = part[..<m].split(separator: ";").compactMap { Int($0) }
            var i = 0
            while i < p.count {
                if p[i] == 38 || p[i] == 48, i + 4 < p.count, p[i + 1] == 2 {
                    out.append([p[i + 2], p[i + 3], p[i + 4]])
                    i += 5
                } else {
                    i += 1
                }
            }
        }
        return out
    }

    /// The LAYERS JSON embedded in the launcher whose path `napari --no-launch` printed
    /// (parsed strictly: NaN or Infinity would not parse).
    static func layers(ofLauncher stdout: String) throws -> [[String: Any]] {
        let script = try String(contentsOfFile: try #require(stdout.split(separator: "\n").first.map(String.init)), encoding: .utf8)
        let start = try #require(script.range(of: "LAYERS = json.loads(r'''"))
        let end = try #require(script.range(of: "'''", range: start.upperBound..<script.endIndex))
        let json = String(script[start.upperBound..<end.lowerBound])
        return try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
    }
}
