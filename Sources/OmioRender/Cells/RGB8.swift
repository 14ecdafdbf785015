/// One 8-bit sRGB colour: a cell's foreground or background.
public struct RGB8: Sendable, Hashable {
    public var r: UInt8
    public var g: UInt8
    public var b: UInt8

    public init(r: UInt8, g: UInt8, b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }

    public static let black = RGB8(r: 0, g: 0, b: 0)
    public static let white = RGB8(r: 255, g: 255, b: 255)
}
