import ArgumentParser
import Foundation
import OmioEngine
import OmioFormats

/// `omio-tui set FILE KEY=VALUE...`: corrects metadata in the file's overlay (never the file).
struct SetCommand: ParsableCommand, ReportsErrors {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Correct metadata: saved beside the file as <file name>.omio.json, used everywhere after.",
        discussion: """
            Keys: \(MetadataField.keysHelp). A value may carry its unit (PhysicalSizeZ=5000nm, \
            "PhysicalSizeZ=5000 nm"); without one it is in the field's unit (µm, s). The image \
            itself is never modified. Examples:
              omio-tui set stack.tif PhysicalSizeZ=5
              omio-tui set stack.tif "TimeIncrement=250 ms" "Channel 0 Name=DAPI"
              omio-tui set stack.tif --reset PhysicalSizeZ
              omio-tui set stack.tif --reset
            """
    )

    @OptionGroup var image: ImageOptions
    @Argument(help: "KEY=VALUE assignments (with --reset: the keys to reset; none resets all).") var assignments: [String] = []
    @Flag(help: "Remove edits (of the given keys, or all) and return to the file's values.") var reset = false

    var errorPath: String { image.file }

    func run() throws {
        let opened = try image.open()
        let series = opened.series, fileMetadata = opened.fileMetadata
        var overlay = opened.overlay
        if reset {
            let fields = try assignments.map { key -> MetadataField in
                guard let f = MetadataField(key: key) else { throw UsageError("unknown key '\(key)' (keys: \(MetadataField.keysHelp))") }
                return f
            }
            var removed: [String] = []
            if fields.isEmpty { removed = overlay.reset(nil, series: series) }
            for f in fields { removed += overlay.reset(f, series: series) }
            let saved = try OverlayStore.save(overlay)
            if let n = saved.notice { CLIError.note(n) }
            print(removed.isEmpty ? "nothing to reset" : "reset " + removed.joined(separator: ", "))
        } else {
            guard !assignments.isEmpty else { throw UsageError("nothing to set: give KEY=VALUE (keys: \(MetadataField.keysHelp))") }
            // Check every assignment before saving any: all or nothing.
            var current = opened.metadata
            for a in assignments {
                guard let eq = a.firstIndex(of: "=") else { throw UsageError("'\(a)' is not KEY=VALUE") }
                let key = String(a[..<eq]), raw = String(a[a.index(after: eq)...])
                guard let field = MetadataField(key: key) else {
                    throw UsageError("unknown key '\(key)' (keys: \(MetadataField.keysHelp))")
                }
                do {
                    let value = try FieldParser.parse(field, raw, current: current)
                    overlay.set(field, value, series: series, file: fileMetadata)
                    current = overlay.apply(to: fileMetadata)
                } catch let e as FieldParser.Invalid {
                    throw UsageError(e.description + "; nothing saved")
                }
            }
            let saved = try OverlayStore.save(overlay)
            if let n = saved.notice { CLIError.note(n) }
            print(InfoText.render(current), terminator: "")
            print(TerminalSafeText.escape("saved to \(saved.path)"))
        }
    }
}
