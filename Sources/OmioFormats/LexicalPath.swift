import Foundation

/// The one way omio-tui turns a path the user gave into the absolute path it places things by:
/// by its text alone, as OMIO (`os.path.abspath`) does. `.` and empty components are dropped and
/// `..` removes the component before it; symbolic links are never followed. So `some/link.tif`
/// keeps its sidecar, store and launcher in `some/`, and a venv's `bin/python` that links to a
/// base interpreter stays the venv's (Foundation's `standardizingPath` resolves absolute links on
/// Linux and must not be used for this).
public enum LexicalPath {
    /// `path` made absolute against `cwd` (the process's working folder by default) and tidied.
    public static func absolute(_ path: String, cwd: String? = nil) -> String {
        let full = path.hasPrefix("/") ? path : (cwd ?? currentDirectory()) + "/" + path
        var parts: [Substring] = []
        for part in full.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..": _ = parts.popLast() // `/..` is `/`
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }

    /// The folder a file given as `path` is in, by the same rule: `dirname` of its absolute path.
    public static func folder(of path: String) -> String {
        let p = absolute(path)
        guard let slash = p.lastIndex(of: "/"), slash != p.startIndex else { return "/" }
        return String(p[..<slash])
    }

    /// getcwd(3): the kernel's name for the working folder.
    private static func currentDirectory() -> String {
        FileManager.default.currentDirectoryPath
    }
}
