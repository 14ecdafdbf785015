import Foundation
import OmioEngine
import OmioFormats

/// `p`: the cache menu.
extension AppModel {
    func openPurgeMenu() {
        purgeMenu = PurgeMenu(folder: browser.cwd)
        effects.append(.listCaches(folder: browser.cwd, recursive: false))
    }

    func handlePurgeMenu(_ key: Key) {
        guard var menu = purgeMenu else { return }
        defer { if purgeMenu != nil { purgeMenu = menu } }
        if let c = menu.confirm {
            switch key {
            case .char("y"), .char("Y"):
                menu.confirm = nil
                menu.progress = (0, c.plan.bytes)
                effects.append(.purge(c.plan, folder: menu.folder, recursive: menu.recursive))
            default:
                menu.confirm = nil
                menu.note = "nothing removed"
            }
            return
        }
        guard menu.progress == nil else { return } // deleting: keys wait
        switch key {
        case .escape, .char("q"), .char("p"): purgeMenu = nil
        case .up, .char("k"): menu.move(-1)
        case .down, .char("j"): menu.move(1)
        case .char("r"):
            menu.recursive.toggle()
            menu.loading = true
            effects.append(.listCaches(folder: menu.folder, recursive: menu.recursive))
        case .char("d"), .char("f"), .char("s"), .char("A"):
            guard case let .char(c) = key, let action = PurgeMenu.Action(rawValue: String(c)) else { return }
            if action == .selected, menu.selected == nil { menu.note = "nothing selected"; return }
            let file = viewer?.path ?? (browser.selected?.kind == .directory ? nil : browser.selected?.path)
            if action == .file, file == nil { menu.note = "open or select a file first"; return }
            effects.append(.planPurge(action, folder: menu.folder,
                                      entries: action == .selected ? [menu.selected!] : menu.entries, file: file))
        default: break
        }
    }
}
