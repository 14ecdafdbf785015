import Foundation

extension OutputTarget {
    /// Refuses an output inside a folder the source reads (an OME-Zarr store opened as an
    /// image): a user's store is never written into, whatever the spelling of either path
    /// (both are compared with their links resolved, up to the output's deepest existing
    /// folder). The folder itself is left to the other rules ("is a folder", "over the source").
    public static func refuseInsideInputFolders(_ spec: String, inputs: [String]) throws {
        let folders = inputs.compactMap { input -> (given: String, real: String)? in
            var st = stat()
            guard stat(input, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR, let real = realPath(input) else { return nil }
            return (input, real)
        }
        guard !folders.isEmpty, let out = realPathOfNew(spec) else { return }
        for f in folders where out.hasPrefix(f.real == "/" ? "/" : f.real + "/") {
            throw OmioError(spec, "is inside \(f.given), the store the source reads; refusing to write into it")
        }
    }

    private static func realPath(_ path: String) -> String? {
        guard let r = realpath(path, nil) else { return nil }
        defer { free(r) }
        return String(cString: r)
    }

    /// `spec` with its deepest existing ancestor's links resolved and the rest appended.
    private static func realPathOfNew(_ spec: String) -> String? {
        var head = LexicalPath.absolute(spec)
        var tail: [String] = []
        while head != "/" {
            if let r = realPath(head) { return ([r == "/" ? "" : r] + tail.reversed()).joined(separator: "/") }
            tail.append((head as NSString).lastPathComponent)
            head = LexicalPath.folder(of: head)
        }
        return "/" + tail.reversed().joined(separator: "/")
    }
}
