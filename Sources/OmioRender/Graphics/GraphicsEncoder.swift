import Foundation

/// Per-terminal settings for the encoders.
public struct GraphicsOptions: Sendable, Equatable {
    /// kitty: the preview reuses one image id, so a new frame replaces the old in place.
    public var imageID: UInt32
    /// sixel: the terminal's colour registers (XTSMGRAPHICS; 256 when it does not say).
    public var colorRegisters: Int

    public init(imageID: UInt32 = 1, colorRegisters: Int = 256) {
        self.imageID = imageID
        self.colorRegisters = colorRegisters
    }
}

/// The composited raster as the escape sequences of one protocol, covering `cols` x `rows`
/// cells from the cursor.
public enum GraphicsEncoder {
    public static func encode(_ raster: RGBRaster, as proto: GraphicsProtocol, cols: Int, rows: Int,
                              options: GraphicsOptions = GraphicsOptions()) -> TerminalImage {
        let bytes: [UInt8]
        switch proto {
        case .kitty: bytes = KittyEncoder.encode(raster, cols: cols, rows: rows, options: options)
        case .sixel: bytes = SixelEncoder.encode(raster, options: options)
        case .iterm: bytes = ITermEncoder.encode(raster, cols: cols, rows: rows)
        }
        return TerminalImage(proto: proto, pixelWidth: raster.width, pixelHeight: raster.height, cols: cols, rows: rows, bytes: bytes)
    }
}
