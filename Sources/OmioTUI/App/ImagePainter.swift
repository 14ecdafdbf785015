import Foundation
import OmioRender

/// Puts the preview's real pixels on the terminal (kitty, sixel, iTerm2): after ncurses has
/// drawn, the cursor goes to the preview's top-left cell, the slice worker's encoded image is
/// written, and the cursor goes back where ncurses left it. ncurses never knows: its cells
/// under the image stay blank, so it does not write over them.
///
/// An image is written only when it is new (another frame or place) or after something
/// removed it (`hide`: an overlay, a resize, another file). kitty keeps one image id, so each
/// frame replaces the last in place; `hide` deletes it. Sixel pixels are the cells' own:
/// they go when ncurses clears the screen, which the caller asks for (`needsClear`).
final class ImagePainter {
    /// The one kitty image id the preview uses (and the crash handler deletes every image).
    static let imageID: UInt32 = 1

    let choice: GraphicsChoice
    private var shown: (generation: Int, x: Int, y: Int)?

    init(choice: GraphicsChoice) { self.choice = choice }

    var active: Bool { choice.proto != nil }

    /// Sixel pixels only go when ncurses clears the screen.
    var needsClear: Bool { choice.proto == .sixel || choice.proto == .iterm }

    /// The image leaves the screen: kitty deletes it now; sixel's goes with the clear that
    /// follows. The next `paint` writes it again.
    func hide(_ screen: Screen) {
        guard active else { return }
        if shown != nil, choice.proto == .kitty {
            screen.writeRaw(choice.wrap(GraphicsEncoder.kittyDelete(imageID: ImagePainter.imageID)))
        }
        shown = nil
    }

    /// After refresh: writes `image` at (y, x) unless that very frame is already there, then
    /// puts the cursor back at `home`.
    func paint(_ image: TerminalImage, generation: Int, x: Int, y: Int, home: (Int, Int), screen: Screen) {
        guard active, image.proto == choice.proto else { return }
        if let s = shown, s.generation == generation, s.x == x, s.y == y { return }
        screen.writeRaw(placement(image, x: x, y: y, home: home))
        shown = (generation, x, y)
    }

    /// The bytes that draw `image` with its top-left at cell (y, x) and put the cursor back.
    /// Inside tmux the image goes straight to the terminal outside, so the cursor move must
    /// too (tmux's cursor is not the outer one, and the pane may not start at the corner); the
    /// outer cursor is saved and restored around it so tmux's idea of it stays true.
    func placement(_ image: TerminalImage, x: Int, y: Int, home: (Int, Int)) -> [UInt8] {
        let back = Array("\u{1B}[\(home.0 + 1);\(home.1 + 1)H".utf8)
        guard choice.passthrough else { return Array("\u{1B}[\(y + 1);\(x + 1)H".utf8) + image.bytes + back }
        let outer = Array("\u{1B}7\u{1B}[\(y + choice.paneTop + 1);\(x + choice.paneLeft + 1)H".utf8)
        return choice.wrap(outer + image.bytes + Array("\u{1B}8".utf8)) + back
    }

    /// What leaves no image behind: written on the way out and, prepared in advance, by the
    /// crash handler (it can only write bytes).
    var cleanup: [UInt8] {
        switch choice.proto {
        case .kitty: return choice.wrap(GraphicsEncoder.kittyDeleteAll)
        case .sixel, .iterm: return Array("\u{1B}[H\u{1B}[2J".utf8)
        case nil: return []
        }
    }

    /// On the way out (before ncurses ends): nothing of ours stays on the screen.
    func removeAll(_ screen: Screen) {
        guard active else { return }
        screen.writeRaw(cleanup)
        shown = nil
    }
}
