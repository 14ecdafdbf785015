import ArgumentParser
import Foundation
import OmioEngine
import OmioFormats
import OmioRender

/// The `:` command line.
extension AppModel {
    func run(command text: String) {
        let words = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard let name = words.first else { return }
        let arg = words.dropFirst().joined(separator: " ")
        func index(_ s: String, _ count: Int) -> Int? {
            guard let n = Int(s), n >= 1, n <= count else { flash("expected a number from 1 to \(count)", error: true); return nil }
            return n - 1
        }
        switch name {
        case "q", "quit": requestQuit()
        case "help", "h":
            showHelp = true
            helpScroll = 0
        case "t", "z", "c":
            guard let v = viewer else { return flash("no file is open", error: true) }
            let count = name == "t" ? v.shape.t : name == "z" ? v.shape.z : v.shape.c
            guard let i = index(arg, count) else { return }
            updateViewer { v in
                if name == "t" { v.t = i } else if name == "z" { v.z = i } else { v.c = i; v.composite = false }
            }
        case "series":
            guard let v = viewer else { return flash("no file is open", error: true) }
            guard let i = index(arg, v.source.seriesCount) else { return }
            openViewer(path: v.path, source: v.source, series: i, overlay: v.overlay)
        case "contrast":
            guard let limits = ContrastLimits(argument: arg) else {
                return flash("usage: :contrast LO:HI (finite numbers, LO < HI)", error: true)
            }
            updateViewer { v in
                v.setContrast(.manual(limits), .manual)
            }
        case "symbols":
            guard let s = SymbolSet(argument: arg) else { return flash("symbols: half, quad or sextant", error: true) }
            symbols = s
            requestSlice()
        case "set":
            guard let eq = arg.firstIndex(of: "="), let field = MetadataField(key: String(arg[..<eq])) else {
                return flash("usage: :set KEY=VALUE (keys: \(MetadataField.keysHelp))", error: true)
            }
            applyEdit(field, String(arg[arg.index(after: eq)...]))
        case "reset":
            if arg.isEmpty { return resetField(nil) }
            guard let field = MetadataField(key: arg) else { return flash("unknown key \(arg)", error: true) }
            resetField(field)
        case "export":
            guard let v = viewer else { return flash("no file is open", error: true) }
            let target = arg.isEmpty ? AppModel.defaultExportPath(v.path) : AppModel.absolute(arg)
            exportProgress = (0, v.shape.planeCount)
            effects.append(.export(source: v.source, series: v.series, metadata: v.metadata, path: target))
            flash("exporting to \(target)…")
        case "slice": slice(command: String(text.drop { $0 == " " }.dropFirst(name.count))) // quotes kept
        case "purge": openPurgeMenu()
        case "napari": sendToNapari()
        case "reduce":
            guard let r = Reduce(argument: arg) else { return flash("reduce: mean or max", error: true) }
            updateViewer { $0.reduce = r }
        default:
            flash("unknown command :\(name) (:help lists them)", error: true)
        }
    }
}
