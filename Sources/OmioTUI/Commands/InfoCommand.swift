import ArgumentParser
import Foundation
import OmioEngine
import OmioFormats

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Print the normalized metadata of files (shape, axes, calibration, channels).",
        discussion: "Reads headers only, never pixel data. Corrections made with `set` (or in the TUI) are applied and listed under \"edited\". Exit status 1 when any file cannot be read."
    )

    @OptionGroup var images: ImagesOptions

    @Flag(help: "Print JSON (an object, or an array when several files are given).")
    var json = false

    func run() throws {
        var failed: ExitCode?
        var objects: [JSONValue] = []
        let ascii = ASCIIText.neededOnStdout // a C-locale terminal would drop µ, ×, ...
        for path in images.files {
            do {
                let m = try images.open(path).metadata
                if json {
                    objects.append(m.json)
                } else {
                    let text = InfoText.render(m)
                    print(ascii ? ASCIIText.fold(text) : text, terminator: "")
                }
            } catch {
                // Reported file by file (the others are still described): a bad file among good
                // ones is 1; a --series no file has wins (64).
                let status = CLIError.fail(error, path: path)
                if failed != ExitCode(CLIError.usageStatus) { failed = status }
            }
        }
        if json, !objects.isEmpty {
            print((images.files.count == 1 ? objects[0] : .array(objects)).serialized(pretty: true))
        }
        if let failed { throw failed }
    }
}

/// `info` without --json: the model as an indented tree a person reads at a glance.
enum InfoText {
    static func render(_ m: ImageMetadata) -> String {
        var lines: [String] = []
        lines.append("\(m.path)  [\(m.format.rawValue), series \(m.series + 1)/\(m.seriesCount)\(m.levels > 1 ? ", \(m.levels) levels" : "")]")
        let s = m.shape
        var rows: [(String, String)] = [
            ("shape", "T \(s.t)  Z \(s.z)  C \(s.c)  Y \(s.y)  X \(s.x)  (TZCYX)"),
            ("dtype", m.dtype.rawValue),
        ]
        let flag: (String) -> String = { key in
            m.edited.contains(key) ? "  (edited)" : (m.suspiciousFields.contains(key) ? "  (!)" : "")
        }
        for axis in ["X", "Y", "Z"] {
            let key = "PhysicalSize\(axis)"
            let dflt = m.defaulted.contains(key) ? " (default)" : ""
            rows.append((key, "\(ImageMetadata.format(m.physicalSize(axis))) µm\(dflt)\(flag(key))"))
        }
        rows.append(("TimeIncrement", (m.timeIncrement.map { "\(ImageMetadata.format($0)) s" } ?? "unknown") + flag("TimeIncrement")))
        for (i, ch) in m.channels.enumerated() {
            let window = ch.window.map { "  window \(ImageMetadata.format($0.start))…\(ImageMetadata.format($0.end))" } ?? ""
            rows.append(("Channel \(i)", "\(ch.name ?? "-")  \(ch.color?.hex ?? "")\(window)".trimmingCharacters(in: .whitespaces)))
        }
        if let d = m.description { rows.append(("Description", d.count > 100 ? String(d.prefix(100)) + "…" : d)) }
        let width = rows.map { $0.0.count }.max() ?? 0
        for (k, v) in rows { lines.append("  \(k.padding(toLength: width, withPad: " ", startingAt: 0))  \(v)") }
        if !m.annotations.isEmpty {
            lines.append("  Annotations")
            for (k, v) in m.annotations.prefix(40) {
                var text = v.displayString
                if text.count > 100 { text = String(text.prefix(100)) + "…" }
                lines.append("    \(k): \(text)")
            }
            if m.annotations.count > 40 { lines.append("    … \(m.annotations.count - 40) more") }
        }
        for w in m.warnings { lines.append("  warning: \(w)") }
        // File names, channel names, descriptions and annotations come from the file: their
        // control characters are shown escaped, never sent to the terminal.
        return lines.map(TerminalSafeText.escape).joined(separator: "\n") + "\n"
    }
}
