import Foundation
import OmioFormats

/// The seed-sized benchmark files (not committed): a calcium movie TYX 2000x355x350 uint16
/// (~0.5 GB) and a structural stack ZCYX 260x2x1024x1024 uint16 (~1.1 GB, 520 IFDs) carrying
/// the wrong spacing 0.0000185. Noisy 16-bit data, so compression speeds are realistic.
public enum BenchData {
    public static let movie = "calcium_movie_T2000.tif"
    public static let stack = "structural_stack_Z260_C2.tif"

    public static func write(to folder: String, log: (String) -> Void = { _ in }) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let moviePath = (folder as NSString).appendingPathComponent(movie)
        if !FileManager.default.fileExists(atPath: moviePath) {
            log("writing \(moviePath)")
            var w = ImageJTIFFWriter(shape: Shape(t: 2000, z: 1, c: 1, y: 355, x: 350), dtype: .uint16)
            w.pixelSize = 0.5
            w.frameInterval = 0.033
            try w.write(to: moviePath) { k in noisyPlane(width: 350, height: 355, index: k, base: 800, cells: true) }
        }
        let stackPath = (folder as NSString).appendingPathComponent(stack)
        if !FileManager.default.fileExists(atPath: stackPath) {
            log("writing \(stackPath)")
            var w = ImageJTIFFWriter(shape: Shape(t: 1, z: 260, c: 2, y: 1024, x: 1024), dtype: .uint16)
            w.pixelSize = 0.3
            w.spacing = 0.0000185
            try w.write(to: stackPath) { k in noisyPlane(width: 1024, height: 1024, index: k, base: 1500, cells: false) }
        }
    }

    /// Background + Poisson-like noise + bright blobs that vary with the plane index.
    static func noisyPlane(width: Int, height: Int, index: Int, base: Int, cells: Bool) -> [UInt8] {
        var rng = SplitMix64(seed: UInt64(index) &* 0x2545_F491_4F6C_DD1D)
        var out = [UInt8](repeating: 0, count: width * height * 2)
        let blobs = (0..<12).map { i -> (Double, Double, Double) in
            let phase = Double(index) * (cells ? 0.05 : 0.02) + Double(i)
            return (Double(width) * (0.1 + 0.8 * Double((i * 37) % 11) / 10.0),
                    Double(height) * (0.1 + 0.8 * Double((i * 53) % 13) / 12.0),
                    cells ? 2000 * max(0, sin(phase)) : 6000)
        }
        out.withUnsafeMutableBytes { raw in
            let p = raw.bindMemory(to: UInt16.self)
            for y in 0..<height {
                for x in 0..<width {
                    var v = Double(base) + Double(rng.next() & 0x1FF)
                    for (bx, by, amp) in blobs {
                        let dx = Double(x) - bx, dy = Double(y) - by
                        let d2 = dx * dx + dy * dy
                        if d2 < 400 { v += amp * (1 - d2 / 400) }
                    }
                    p[y * width + x] = UInt16(min(65535, v)).littleEndian
                }
            }
        }
        return out
    }
}
