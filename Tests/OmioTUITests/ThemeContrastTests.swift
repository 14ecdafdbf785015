import Foundation
import OmioRender
import Testing
@testable import OmioTUI

/// Every coloured text of each theme, at each colour depth, reads at WCAG AA (4.5:1) against
/// what it is drawn on; and the theme is chosen from what the terminal and environment say.
struct ThemeContrastTests {
    static let backgrounds: [(Theme.Kind, RGB8?)] = [
        (.dark, nil), (.light, nil),
        // Backgrounds terminals report: solarized light/dark, a mid grey, GNOME's dark.
        (.light, RGB8(r: 0xFD, g: 0xF6, b: 0xE3)), (.dark, RGB8(r: 0x00, g: 0x2B, b: 0x36)),
        (.light, RGB8(r: 0x80, g: 0x80, b: 0x80)), (.dark, RGB8(r: 0x30, g: 0x0A, b: 0x24)),
    ]

    @Test func everyColouredStyleReachesAA() {
        var checked = 0
        for (kind, background) in Self.backgrounds {
            let theme = Theme(kind: kind, background: background)
            for depth in Theme.Depth.allCases {
                for style in TextStyle.allCases {
                    let c = theme.colors(style, depth: depth)
                    guard let fg = c.fg else { continue }
                    let bg = c.bg.map { Theme.rgb($0, depth) } ?? theme.assumedBackground
                    let ratio = Theme.contrast(Theme.rgb(fg, depth), bg)
                    #expect(ratio >= 4.5, "\(kind) on \(String(describing: background)) \(depth) \(style): \(ratio)")
                    if theme.boldAllowed(c, depth: depth), fg < 8, depth != .direct {
                        let bright = Theme.contrast(Theme.rgb(fg + 8, depth), bg)
                        #expect(bright >= 4.5, "\(kind) \(depth) \(style) bold (bright): \(bright)")
                    }
                    // On plain black or white the tables themselves must pass (the fallback to
                    // black or white text is for other backgrounds only).
                    if background == nil { #expect(c == Theme.table(kind, depth)[style], "\(kind) \(depth) \(style) needed the fallback") }
                    checked += 1
                }
            }
        }
        #expect(checked > 100)
    }

    @Test func contrastFormulaMatchesWCAG() {
        #expect(abs(Theme.contrast(.black, .white) - 21) < 1e-9)
        // xterm's yellow on white, the 1.7:1 badge.
        #expect(abs(Theme.contrast(XTerm256.color(ofIndex: 3), .white) - 1.70) < 0.02)
    }

    @Test func themeChoice() {
        #expect(Theme.choose(forced: nil, environment: [:], background: nil).kind == .dark)
        #expect(Theme.choose(forced: nil, environment: [:], background: .white).kind == .light)
        #expect(Theme.choose(forced: nil, environment: ["COLORFGBG": "0;15"], background: nil).kind == .light)
        #expect(Theme.choose(forced: nil, environment: ["COLORFGBG": "15;default;0"], background: nil).kind == .dark)
        #expect(Theme.choose(forced: nil, environment: ["COLORFGBG": "0;7"], background: nil).kind == .light)
        #expect(Theme.choose(forced: nil, environment: ["COLORFGBG": "7;8"], background: nil).kind == .dark)
        // The terminal's answer beats COLORFGBG; OMIO_THEME beats both; --theme beats all.
        #expect(Theme.choose(forced: nil, environment: ["COLORFGBG": "15;0"], background: .white).kind == .light)
        #expect(Theme.choose(forced: nil, environment: ["OMIO_THEME": "dark"], background: .white).kind == .dark)
        #expect(Theme.choose(forced: .light, environment: ["OMIO_THEME": "dark"], background: .black).kind == .light)
    }
}
