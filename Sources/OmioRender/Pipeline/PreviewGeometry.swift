import Foundation
import OmioFormats

/// Where the image goes inside the preview area, true to the physical pixel size and the
/// cell shape (measured: fonts make cells 1.9–2.5 times as tall as wide).
public enum PreviewGeometry {
    /// Cell grid size for the whole image in an area of `width` x `height` cells of `cell`
    /// pixels. The renderers' sub-pixel grid per cell is fixed; the picture's shape comes from
    /// this cols/rows choice alone.
    public static func fit(_ m: ImageMetadata, width: Int, height: Int, cell: CellPixels = .assumed) -> (cols: Int, rows: Int) {
        let cellAspect = cell.aspect
        guard width > 0, height > 0 else { return (0, 0) }
        // Width over height of the image, as a ratio of ratios: sizes of 1e308 or 5e-324 µm
        // (valid, absurd) overflow a product to inf or NaN, which `Int()` traps on.
        let aspect = Double(m.shape.x) / Double(m.shape.y) * pixelAspect(m)
        var rows = Double(height)
        var cols = rows * cellAspect * aspect
        if cols > Double(width) {
            cols = Double(width)
            rows = cols / (aspect * cellAspect)
        }
        return (max(1, min(width, Int(cols.rounded()))), max(1, min(height, Int(rows.rounded()))))
    }

    /// PhysicalSizeX / PhysicalSizeY, kept within 1/1024...1024 (beyond that the file's sizes
    /// are wrong, and the picture would be one cell thin).
    public static func pixelAspect(_ m: ImageMetadata) -> Double {
        let r = m.physicalSizeX / m.physicalSizeY
        return r.isFinite && r > 0 ? min(max(r, 1.0 / 1024), 1024) : 1
    }

    /// A scale bar of a round length (1, 2, 5 x 10^k µm) about a quarter of the image wide.
    public static func scaleBar(_ m: ImageMetadata, viewportWidth: Int, cols: Int) -> (cells: Int, label: String)? {
        guard cols > 0, viewportWidth > 0 else { return nil }
        let micronsPerCell = Double(viewportWidth) * m.physicalSizeX / Double(cols)
        let target = micronsPerCell * Double(cols) / 4
        guard target > 0, target.isFinite else { return nil }
        let p = pow(10, floor(log10(target)))
        let nice = [5, 2, 1].map { Double($0) * p }.first { $0 <= target } ?? p
        let cells = Int((nice / micronsPerCell).rounded())
        guard cells >= 1 else { return nil }
        let label: String
        if nice >= 1000 { label = "\(ImageMetadata.format(nice / 1000)) mm" } else if nice < 1 { label = "\(ImageMetadata.format(nice * 1000)) nm" } else { label = "\(ImageMetadata.format(nice)) µm" }
        return (cells, label)
    }
}
