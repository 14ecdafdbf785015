import Foundation
import OmioEngine
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
    /// A Zarr folder: an image store (kind `.image`, Enter opens it, `o` enters it), or an HCS
    /// plate or well (kind `.directory`: its wells or fields are listed).
    var zarr: ZarrFolder? = nil

    var isHidden: Bool { name.hasPrefix(".") }
}

/// What a folder that holds Zarr metadata is to the browser: an image (a multiscales group,
/// an array, OMIO's cache array) or an HCS plate or well, browsed as a folder of wells or
/// fields. Found with one stat per metadata file, and for groups one read of the group's
/// attributes (a few KB), on the listing's background queue.
struct ZarrFolder: Equatable {
    enum Role: Equatable { case image, plate, well }

    let format: Int
    let role: Role
    /// A plate's wells (`A/1`) or a well's fields (`0`), as paths below the folder.
    let children: [String]

    /// `[ZARR v3]`, `[PLATE v2]`: the badge the browser shows.
    var badge: String {
        switch role {
        case .image: return "ZARR v\(format)"
        case .plate: return "PLATE v\(format)"
        case .well: return "WELL v\(format)"
        }
    }

    /// Nil for a folder without Zarr metadata. A group whose attributes cannot be read is an
    /// image: opening it says what is wrong.
    static func detect(_ folder: String) -> ZarrFolder? {
        guard let format = ZarrStorePlacement.zarrFormat(ofFolder: folder) else { return nil }
        let file = folder + (format == 3 ? "/zarr.json" : "/.zattrs")
        guard let data = try? FileReader.contents(of: file, limit: 16 << 20), let json = try? JSONValue.parse(data) else {
            return ZarrFolder(format: format, role: .image, children: [])
        }
        // v3: attributes.ome (0.5) or attributes (0.4 layout on v3); v2: .zattrs itself.
        let attributes = format == 3 ? (json["attributes"] ?? .null) : json
        let ome = attributes["ome"] ?? attributes
        if let plate = ome["plate"] {
            let wells = (plate["wells"]?.arrayValue ?? []).compactMap { $0["path"]?.stringValue }
            return ZarrFolder(format: format, role: .plate, children: wells)
        }
        if let well = ome["well"] {
            let fields = (well["images"]?.arrayValue ?? []).compactMap { $0["path"]?.stringValue }
            return ZarrFolder(format: format, role: .well, children: fields)
        }
        return ZarrFolder(format: format, role: .image, children: [])
    }
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
        // A plate lists its wells, a well its fields (from their metadata, not the folders).
        if let group = ZarrFolder.detect(path), group.role != .image { return hcsEntries(path, group) }
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
            // `.omio_cache` is ours and hidden; an image store inside it (OMIO's) still opens.
            let zarr = isDir ? ZarrFolder.detect(full) : nil
            let kind: BrowserEntry.Kind = isDir ? (zarr?.role == .image ? .image : .directory) : (ImageOpener.looksSupported(name: name) ? .image : .other)
            entries.append(BrowserEntry(name: name, path: full, kind: kind, isSymlink: isLink, size: Int64(target.st_size), zarr: zarr))
        }
        return entries.sorted { a, b in
            if (a.kind == .directory) != (b.kind == .directory) { return a.kind == .directory }
            return a.name.localizedStandardCompare(b.name) == .orderedAscending
        }
    }

    /// A plate's wells (folders of fields) or a well's fields (images), in the metadata's order.
    static func hcsEntries(_ path: String, _ group: ZarrFolder) -> [BrowserEntry] {
        group.children.compactMap { child in
            let full = path + "/" + child
            guard let zarr = ZarrFolder.detect(full) else { return nil } // named but not written
            return BrowserEntry(name: child, path: full, kind: zarr.role == .image ? .image : .directory,
                                isSymlink: false, size: 0, zarr: zarr)
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
            // A store's badge names its Zarr version: `[ZARR v2]`.
            let badge = ZarrStorePlacement.zarrFormat(ofFolder: path).map { "ZARR v\($0)" } ?? m.format.badge
            return HeaderSummary(badge: badge, text: text, isError: !m.plausibilityWarnings.isEmpty)
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
