import Foundation
import OmioEngine
import OmioFormats

/// `n`: sending files to napari.
extension AppModel {
    /// `n`: the marked files, or else the open file at its series, to one napari window.
    func sendToNapari() {
        let marked = browser.marks.sorted()
        if !marked.isEmpty {
            // The open file keeps its view settings; the others are opened afresh.
            var open: [NapariInput] = []
            var paths: [String] = []
            for p in marked {
                if let v = viewer, v.path == p { open.append(napariInput(v)) } else { paths.append(p) }
            }
            effects.append(.napari(open: open, paths: paths, python: napariPython))
            flash("sending \(marked.count) file\(marked.count == 1 ? "" : "s") to napari…")
        } else if let v = viewer {
            effects.append(.napari(open: [napariInput(v)], paths: [], python: napariPython))
            flash("sending \((v.path as NSString).lastPathComponent) to napari…")
        } else {
            flash("open a file or mark files (Space) to send them to napari")
        }
    }

    func napariInput(_ v: ViewerState) -> NapariInput {
        NapariInput(source: v.source, series: v.series, metadata: v.metadata, overlayHash: v.overlay.hash(series: v.series),
                    colors: v.colors, contrastLimits: v.currentLimits, t: v.t, z: v.z)
    }
}
