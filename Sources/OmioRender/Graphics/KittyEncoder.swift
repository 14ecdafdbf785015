import Foundation

/// kitty graphics protocol. SEAM: helper T writes it.
enum KittyEncoder {
    static func encode(_ raster: RGBRaster, cols: Int, rows: Int, options: GraphicsOptions) -> [UInt8] { [] }
}
