import Foundation
import OmioRender

/// What the terminal said about itself when asked at start (TerminalProbe) and what the
/// window size ioctl reports. Every field is nil/false/empty when the terminal did not answer.
struct TerminalAnswers: Equatable {
    /// Cell size in pixels: TIOCGWINSZ ws_xpixel/ws_ypixel over columns/rows, else CSI 16 t,
    /// else CSI 14 t over the size in cells.
    var cellPixels: CellPixels?
    /// OSC 11 reply: the background colour.
    var background: RGB8?
    /// DA1 (`CSI c`) attributes; 4 means sixel.
    var primaryAttributes: [Int] = []
    /// XTVERSION (`CSI > q`) reply, e.g. "kitty(0.26.5)", "XTerm(379)".
    var version: String?
    /// The kitty graphics query (`a=q`) was answered OK.
    var kittyGraphics = false
    /// The kitty graphics query was answered with an error (ENOTSUPPORTED...): no kitty
    /// images whatever the version or environment say.
    var kittyRefused = false
    /// XTSMGRAPHICS: sixel colour registers.
    var sixelColorRegisters: Int?
    /// XTSMGRAPHICS: the largest sixel image in pixels.
    var sixelMaxWidth: Int?
    var sixelMaxHeight: Int?
}
