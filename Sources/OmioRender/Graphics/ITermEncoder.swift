import Foundation

/// iTerm2 inline images: `ESC ] 1337 ; File=inline=1;size=N;width=C;height=R;
/// preserveAspectRatio=0 : base64(PNG) BEL`. The raster is already sized for C x R cells, so
/// the terminal is told to fill exactly that area (no aspect fitting of its own).
enum ITermEncoder {
    static func encode(_ raster: RGBRaster, cols: Int, rows: Int) -> [UInt8] {
        guard raster.width > 0, raster.height > 0 else { return [] }
        let png = PNGWriter.encode(width: raster.width, height: raster.height, rgb: raster.pixels, level: PNGWriter.fastLevel)
        var out = Array("\u{1B}]1337;File=inline=1;size=\(png.count);width=\(cols);height=\(rows);preserveAspectRatio=0:".utf8)
        out += Base64.encode([UInt8](png)) // the kitty encoder's, one base64 for both
        out.append(0x07)
        return out
    }
}
