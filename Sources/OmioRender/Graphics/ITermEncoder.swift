import Foundation

/// iTerm2 inline images (OSC 1337 File=, PNG). SEAM: helper G writes it.
enum ITermEncoder {
    static func encode(_ raster: RGBRaster, cols: Int, rows: Int) -> [UInt8] { [] }
}
