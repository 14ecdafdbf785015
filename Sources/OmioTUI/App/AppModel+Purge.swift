import Foundation
import OmioEngine
import OmioFormats

/// `p`: the cache menu.
extension AppModel {
    func openPurgeMenu() {
        purgeMenu = PurgeMenu(folder: browser.cwd)
        effects.append(.listCaches(folder: browser.cwd, recursive: false))
    }

    /// True when the menu has a binding for `key` (while a question is asked, every key answers it).
    @discardableResult
    func handlePurgeMenu(_ key: Key) -> Bool {
        guard var menu = purgeMenu else { return false }
        defer { if purgeMenu != nil { purgeMenu = menu } }
        if let c = menu.confirm {
            let yes = key == .char("y") || key == .char("Y")
            menu.confirm = nil
            // First y to a plan that skipped stores napari shows: ask once more, for those.
            if yes, menu.withoutInUse == nil, let again = PurgeMenu.secondConfirm(c.plan) {
                menu.withoutInUse = c.plan
                menu.confirm = again
                return true
            }
            let plan = yes ? c.plan : menu.withoutInUse
            menu.withoutInUse = nil
            if let plan, !plan.entries.isEmpty || !plan.folders.isEmpty {
                menu.progress = (0, plan.bytes)
                effects.append(.purge(plan, folder: menu.folder, recursive: menu.recursive))
            } else {
                menu.note = "nothing removed"
            }
            return true
        }
        guard menu.progress == nil else { return true } // deleting: keys wait
        switch key {
        case .escape, .char("q"), .char("p"): purgeMenu = nil
        case .up, .char("k"): menu.move(-1)
        case .down, .char("j"): menu.move(1)
        case .char("r"):
            menu.recursive.toggle()
            menu.loading = true
            effects.append(.listCaches(folder: menu.folder, recursive: menu.recursive))
        case .char("d"), .char("f"), .char("s"), .char("A"):
            guard case let .char(c) = key, let action = PurgeMenu.Action(rawValue: String(c)) else { return false }
            if action == .selected, menu.selected == nil { menu.note = "nothing selected"; return true }
            let file = viewer?.path ?? (browser.selected?.kind == .directory ? nil : browser.selected?.path)
            if action == .file, file == nil { menu.note = "open or select a file first"; return true }
            effects.append(.planPurge(action, folder: menu.folder,
                                      entries: action == .selected ? [menu.selected!] : menu.entries, file: file))
        default: return false
        }
        return true
    }
}
