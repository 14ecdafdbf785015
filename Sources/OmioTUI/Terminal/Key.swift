/// A key press, decoded from ncurses (or built by tests).
public enum Key: Equatable, Hashable, Sendable {
    case char(Character)
    case up, down, left, right
    case enter, backspace, tab, backTab, escape
    case pageUp, pageDown, home, end, delete
    case resize
    case ctrl(Character)

    /// The key's name as the help overlay shows it.
    public var label: String {
        switch self {
        case let .char(c): return c == " " ? "Space" : String(c)
        case .up: return "↑"
        case .down: return "↓"
        case .left: return "←"
        case .right: return "→"
        case .enter: return "Enter"
        case .backspace: return "Backspace"
        case .tab: return "Tab"
        case .backTab: return "Shift-Tab"
        case .escape: return "Esc"
        case .pageUp: return "PgUp"
        case .pageDown: return "PgDn"
        case .home: return "Home"
        case .end: return "End"
        case .delete: return "Del"
        case .resize: return "resize"
        case let .ctrl(c): return "Ctrl-\(c)"
        }
    }
}
