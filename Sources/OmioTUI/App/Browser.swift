import Foundation
import OmioFormats

/// One row of the directory browser.
struct BrowserEntry: Equatable {
    enum Kind: Equatable { case directory, image, other }

    let name: String
    let path: String
    let kind: Kind
    let isSymlink: Bool
    let size: Int64
    /// Filled in the background once the header has been read.
    var header: HeaderSummary?

    var isHidden: Bool { name.hasPrefix(".") }
}

/// What the browser shows of a file after reading its header: badge, shape, size.
struct HeaderSummary: Equatable {
    let badge: String?
    let text: String
    let isError: Bool
}

/// Directory listing (run off the main thread): directories first, then files, each by name.
enum DirectoryLister {
    static func list(_ path: String) throws -> [BrowserEntry] {
        let fm = FileManager.default
        let names: [String]
        do {
            names = try fm.contentsOfDirectory(atPath: path)
        } catch {
            // The one wording (SystemErrorReason), not Foundation's localized sentence, which
            // depends on the locale ("You don t have permission." under LANG=C).
            throw OmioError(path, error.omioReason)
        }
        var entries: [BrowserEntry] = []
        for name in names {
            let full = (path as NSString).appendingPathComponent(name)
            var st = stat()
            guard lstat(full, &st) == 0 else { continue } // vanished meanwhile
            let isLink = (st.st_mode & S_IFMT) == S_IFLNK
            var target = st
            if isLink, stat(full, &target) != 0 { target = st } // dangling link: shown as a file
            let isDir = (target.st_mode & S_IFMT) == S_IFDIR
            let kind: BrowserEntry.Kind = isDir ? .directory : (ImageOpener.looksSupported(name: name) ? .image : .other)
            entries.append(BrowserEntry(name: name, path: full, kind: kind, isSymlink: isLink, size: Int64(target.st_size)))
        }
        return entries.sorted { a, b in
            if (a.kind == .directory) != (b.kind == .directory) { return a.kind == .directory }
            return a.name.localizedStandardCompare(b.name) == .orderedAscending
        }
    }

    /// Reads a file's header for the browser badge (never pixels).
    static func probe(_ path: String) -> HeaderSummary {
        do {
            let source = try ImageOpener.open(path: path)
            let m = source.metadata(series: 0)
            let s = m.shape
            var parts: [String] = []
            if s.t > 1 { parts.append("T\(s.t)") }
            if s.z > 1 { parts.append("Z\(s.z)") }
            if s.c > 1 { parts.append("C\(s.c)") }
            parts.append("\(s.y)×\(s.x)")
            var text = parts.joined(separator: " ") + " \(m.dtype.rawValue)"
            if source.seriesCount > 1 { text += " S\(source.seriesCount)" }
            return HeaderSummary(badge: m.format.badge, text: text, isError: !m.plausibilityWarnings.isEmpty)
        } catch {
            return HeaderSummary(badge: nil, text: error.omioReason, isError: true)
        }
    }
}

/// The browser pane's state.
struct BrowserState {
    var cwd: String
    var all: [BrowserEntry] = []
    var showHidden = false
    var filter = ""
    var selection = 0
    var scroll = 0
    var marks: Set<String> = []
    var loading = true
    var error: String?

    init(cwd: String) { self.cwd = cwd }

    var visible: [BrowserEntry] {
        all.filter { (showHidden || !$0.isHidden) && (filter.isEmpty || $0.name.localizedCaseInsensitiveContains(filter)) }
    }

    var selected: BrowserEntry? {
        let v = visible
        return v.indices.contains(selection) ? v[selection] : nil
    }

    mutating func move(_ delta: Int) {
        let n = visible.count
        guard n > 0 else { return }
        selection = min(max(0, selection + delta), n - 1)
    }

    mutating func select(name: String) {
        if let i = visible.firstIndex(where: { $0.name == name }) { selection = i }
    }

    mutating func scrollToSelection(height: Int) {
        if selection < scroll { scroll = selection }
        if selection >= scroll + height { scroll = selection - height + 1 }
        scroll = max(0, min(scroll, max(0, visible.count - height)))
    }

    mutating func setHeader(_ h: HeaderSummary, for path: String) {
        if let i = all.firstIndex(where: { $0.path == path }) { all[i].header = h }
    }
}
