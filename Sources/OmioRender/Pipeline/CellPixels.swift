import Foundation

/// One terminal cell in screen pixels. Fonts make cells 1.9–2.5 times as tall as wide; the
/// preview's fit, zoom 1:1, scale bar and the image protocols' raster size all follow it.
public struct CellPixels: Sendable, Equatable, CustomStringConvertible {
    public var width: Int
    public var height: Int

    public init(width: Int, height: Int) {
        self.width = max(1, width)
        self.height = max(1, height)
    }

    /// 8x16 px: the 2:1 cell assumed when the terminal does not say (chafa assumes the same).
    public static let assumed = CellPixels(width: 8, height: 16)

    /// Height over width.
    public var aspect: Double { Double(height) / Double(width) }

    /// `WxH` in pixels, each 1...1000 (`--cell-size 7x17`).
    public init?(parsing text: String) {
        let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), (1...1000).contains(w), (1...1000).contains(h) else { return nil }
        self.init(width: w, height: h)
    }

    public var description: String { "\(width)x\(height)" }
}
