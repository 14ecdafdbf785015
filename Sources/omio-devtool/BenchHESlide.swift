import Foundation
import OmioFixtures
import OmioFormats

/// An H&E-like RGB slide for the 256-colour rows, generated (seeded, so every run draws the
/// same picture): the corpus has no stained slide, and what a 256-colour renderer gets wrong
/// there is the smooth pink-to-purple shading of stained tissue. Built as a brightfield image
/// is: stain densities (eosin over the stroma with fibres and slow variation, hematoxylin in
/// nuclei with chromatin texture, empty lumens), turned into light by Beer–Lambert with the
/// standard H and E optical-density vectors (Ruifrok & Johnston), plus a little sensor noise.
enum BenchHESlide {
    static let hematoxylin: (Double, Double, Double) = (0.650, 0.704, 0.286)
    static let eosin: (Double, Double, Double) = (0.072, 0.990, 0.105)

    static func write(to path: String, width: Int = 1024, height: Int = 768, seed: UInt64 = 19) throws {
        var rng = SplitMix64(seed: seed)
        func uniform(_ a: Double, _ b: Double) -> Double { a + (b - a) * rng.unit() }
        // Slow variation of the eosin density: a few random plane waves.
        let waves = (0..<10).map { _ in (uniform(0.004, 0.03), uniform(0, 2 * .pi), uniform(0, 2 * .pi), uniform(0.03, 0.09)) }
        // Fibres: long thin waves along a common direction.
        let fibreAngle = uniform(0, .pi)
        var e = [Double](repeating: 0, count: width * height), h = e
        for y in 0..<height {
            for x in 0..<width {
                var v = 0.42
                for (f, angle, phase, amp) in waves { v += amp * sin(f * (Double(x) * cos(angle) + Double(y) * sin(angle)) + phase) }
                let along = Double(x) * sin(fibreAngle) - Double(y) * cos(fibreAngle)
                v += 0.12 * pow(abs(sin(along * 0.11 + 2 * sin(Double(x + y) * 0.013))), 6)
                e[y * width + x] = max(v, 0.05)
                h[y * width + x] = 0.05
            }
        }
        // Lumens: soft-edged empty regions.
        for _ in 0..<7 {
            let cx = uniform(0, Double(width)), cy = uniform(0, Double(height)), rx = uniform(30, 110), ry = uniform(25, 80)
            paint(&e, width, height, cx, cy, rx, ry, angle: uniform(0, .pi), edge: 5) { old, w in old * (1 - 0.92 * w) }
            paint(&h, width, height, cx, cy, rx, ry, angle: uniform(0, .pi), edge: 5) { old, w in old * (1 - 0.92 * w) }
        }
        // Nuclei: dark soft ellipses with chromatin texture.
        for _ in 0..<700 {
            let cx = uniform(0, Double(width)), cy = uniform(0, Double(height)), r = uniform(4, 10)
            let density = uniform(0.55, 1.1)
            paint(&h, width, height, cx, cy, r, r * uniform(0.6, 1), angle: uniform(0, .pi), edge: 1.5) { old, w in
                max(old, w * density * uniform(0.8, 1.1))
            }
        }
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            let od = (hematoxylin.0 * h[i] + eosin.0 * e[i], hematoxylin.1 * h[i] + eosin.1 * e[i], hematoxylin.2 * h[i] + eosin.2 * e[i])
            for (k, d) in [od.0, od.1, od.2].enumerated() {
                let v = 250 * exp(-d) + uniform(-2, 2)
                pixels[i * 3 + k] = UInt8(min(max(v.rounded(), 0), 255))
            }
        }
        try ExampleData.writeRGB(path, width: width, height: height, pixels: pixels)
    }

    /// Blends an ellipse into `field`: weight 1 inside, falling to 0 over `edge` pixels.
    private static func paint(_ field: inout [Double], _ width: Int, _ height: Int, _ cx: Double, _ cy: Double,
                              _ rx: Double, _ ry: Double, angle: Double, edge: Double, _ blend: (Double, Double) -> Double) {
        let reach = max(rx, ry) + edge
        let (c, s) = (cos(angle), sin(angle))
        for y in max(0, Int(cy - reach))..<min(height, Int(cy + reach) + 1) {
            for x in max(0, Int(cx - reach))..<min(width, Int(cx + reach) + 1) {
                let dx = Double(x) - cx, dy = Double(y) - cy
                let u = (dx * c + dy * s) / rx, v = (-dx * s + dy * c) / ry
                let d = (sqrt(u * u + v * v) - 1) * min(rx, ry) // about pixels outside the rim
                let w = d <= -edge / 2 ? 1 : d >= edge / 2 ? 0 : 0.5 - d / edge
                if w > 0 { field[y * width + x] = blend(field[y * width + x], w) }
            }
        }
    }
}
