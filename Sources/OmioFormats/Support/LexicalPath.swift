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

    /// Fails when `path` has a `..` that the kernel resolves after a symbolic link (`x/in/../a.tif`
    /// with `x/in` a link: the kernel reads the file beside the link's target, while the tidied
    /// text names `x/a.tif`). Everything is placed by the text, so reading one file and placing its
    /// sidecar and store by another's name would be wrong; one line asks for the path without `..`.
    public static func checkSameFile(_ path: String) throws {
        guard path.split(separator: "/").contains("..") else { return }
        var given = stat(), tidied = stat()
        guard stat(path, &given) == 0 else { return } // the open that follows says why
        guard stat(absolute(path), &tidied) != 0 || given.st_dev != tidied.st_dev || given.st_ino != tidied.st_ino else { return }
        throw OmioError(path, "'..' after a symbolic link leads to another folder; give the path without '..'")
    }

    /// getcwd(3): the kernel's name for the working folder.
    private static func currentDirectory() -> String {
        FileManager.default.currentDirectoryPath
    }
}
