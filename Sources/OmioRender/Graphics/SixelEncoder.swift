import Foundation

/// DEC sixel. SEAM: helper G writes it.
enum SixelEncoder {
    static func encode(_ raster: RGBRaster, options: GraphicsOptions) -> [UInt8] { [] }
}
