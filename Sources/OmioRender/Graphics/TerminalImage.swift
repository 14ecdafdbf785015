import Foundation

/// The terminal-graphics protocols the preview can draw real pixels with, beside the block
/// characters of `Renderer.blocks`.
public enum GraphicsProtocol: String, CaseIterable, Sendable {
    /// kitty graphics protocol (kitty, Ghostty, WezTerm, konsole): APC `_G`.
    case kitty
    /// DEC sixel (xterm -ti vt340, foot, mlterm, WezTerm, Windows Terminal 1.22+).
    case sixel
    /// iTerm2 inline images (iTerm2, WezTerm): OSC 1337 File=, PNG.
    case iterm
}

/// An encoded image, written at the cursor by the caller (which moves the cursor to the
/// preview's top-left cell first). Covers `cols` x `rows` cells.
public struct TerminalImage: Sendable {
    public let proto: GraphicsProtocol
    public let pixelWidth: Int
    public let pixelHeight: Int
    public let cols: Int
    public let rows: Int
    /// The escape sequence(s) that draw it, ready for the terminal (no tmux wrapping).
    public let bytes: [UInt8]

    public init(proto: GraphicsProtocol, pixelWidth: Int, pixelHeight: Int, cols: Int, rows: Int, bytes: [UInt8]) {
        self.proto = proto
        self.pixelWidth = pixelWidth
        self.pixelHeight = pixelHeight
        self.cols = cols
        self.rows = rows
        self.bytes = bytes
    }
}
