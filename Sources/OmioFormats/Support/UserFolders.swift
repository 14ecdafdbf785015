import Foundation

/// The per-user folders of the XDG base directory rules, from the environment as given: a
/// relative `$XDG_*` is ignored (the rule), and `$HOME` is the environment's, not the passwd
/// entry's (a user who points HOME at a writable folder is obeyed). A relative `$HOME` is
/// ignored like a relative `$XDG_*` (it would name a different folder in every working folder):
/// the passwd entry's home is used instead.
public enum UserFolders {
    /// `$XDG_CACHE_HOME`, else `$HOME/.cache`: stores of files in read-only folders.
    public static func cacheHome(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        xdg("XDG_CACHE_HOME", default: ".cache", environment)
    }

    /// `$XDG_STATE_HOME`, else `$HOME/.local/state`: sidecar edits of files in read-only folders.
    public static func stateHome(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        xdg("XDG_STATE_HOME", default: ".local/state", environment)
    }

    /// Where omio-tui keeps the stores of files whose own folder is not writable.
    public static func fallbackStores(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        cacheHome(environment) + "/omio-tui"
    }

    private static func xdg(_ name: String, default relative: String, _ environment: [String: String]) -> String {
        if let value = environment[name], value.hasPrefix("/") { return LexicalPath.absolute(value) }
        let home = environment["HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? passwdHome()
        return LexicalPath.absolute(relative, cwd: home)
    }

    /// The home folder of the passwd entry (`/` when there is none).
    private static func passwdHome() -> String {
        guard let entry = getpwuid(getuid()), let dir = entry.pointee.pw_dir else { return "/" }
        let home = String(cString: dir)
        return home.hasPrefix("/") ? home : "/"
    }

    /// When something that is not a folder stands where `folder` (or a folder above it) must be,
    /// says so: "<path> is a file, not a folder" (a `.omio_cache` file, HOME set to a file). Nil
    /// when the nearest existing ancestor is a folder: then the reason is its permissions.
    public static func notAFolder(_ folder: String) -> String? {
        guard let (path, st) = nearestExisting(folder), (st.st_mode & S_IFMT) != S_IFDIR else { return nil }
        return (st.st_mode & S_IFMT) == S_IFREG ? "\(path) is a file, not a folder" : "\(path) is not a folder"
    }

    /// True when `folder` is a writable folder, or could be made with `mkdir -p`: its nearest
    /// existing ancestor is a folder this user may write and enter.
    public static func canWrite(_ folder: String) -> Bool {
        guard let (path, st) = nearestExisting(folder) else { return false }
        return (st.st_mode & S_IFMT) == S_IFDIR && access(path, W_OK | X_OK) == 0
    }

    /// `folder` or its nearest ancestor that exists, with its stat; nil when one cannot be
    /// looked at (permission). ENOTDIR means a file further up: keep climbing to find it.
    private static func nearestExisting(_ folder: String) -> (String, stat)? {
        var path = LexicalPath.absolute(folder)
        while true {
            var st = stat()
            if stat(path, &st) == 0 { return (path, st) }
            guard errno == ENOENT || errno == ENOTDIR, path != "/" else { return nil }
            path = LexicalPath.folder(of: path)
        }
    }
}
