/// Every key binding, as the `?` overlay lists them; features add their rows here. A test
/// (KeyBindingTests) presses every key each row names and every key the handlers take, so a
/// row without a binding or a binding without a row fails it.
enum KeyBindings {
    struct Row {
        let keys: String
        let action: String
    }

    struct Section {
        let title: String
        let rows: [Row]
    }

    static let sections: [Section] = [
        Section(title: "Everywhere", rows: [
            Row(keys: "Tab / Shift-Tab", action: "next / previous pane (browser, metadata, preview)"),
            Row(keys: "] [   . ,", action: "next / previous Z  (. is hidden files in the browser)"),
            Row(keys: "} {", action: "next / previous T (hold to play)"),
            Row(keys: "c / C", action: "next channel / composite on-off (RGB: R, G, B as grey / colour)"),
            Row(keys: "a  A  m", action: "auto-contrast (saturated 0.35%) of this plane / of the stack / min-max; kept while stepping T and Z"),
            Row(keys: "+ -   = _", action: "narrow / widen contrast limits (= and _ work without Shift)"),
            Row(keys: "g", action: "cycle gamma 1 → 0.7 → 0.5 → 1.5 → 2"),
            Row(keys: "s", action: "cycle symbols: half → quad → sextant"),
            Row(keys: "z", action: "zoom 1:1 pixels on/off (pan with h j k l / arrows)"),
            Row(keys: "v", action: "mark a T/Z range from here; step T and Z to extend it; :slice writes it; v again clears"),
            Row(keys: ":", action: "command line (:help lists commands)"),
            Row(keys: "x", action: "export as OME-TIFF with the corrected metadata"),
            Row(keys: "p", action: "cache menu: see and purge .omio_cache (d, f, s, A, r inside)"),
            Row(keys: "n", action: "send the marked files (or the open one) to napari: one window, corrected scale"),
            Row(keys: "Esc", action: "leave the 1:1 zoom, else clear the browser's filter"),
            Row(keys: "?", action: "this help"),
            Row(keys: "q", action: "quit (terminal restored)"),
        ]),
        Section(title: "Browser", rows: [
            Row(keys: "↑ ↓ / k j, PgUp PgDn, Home End", action: "move"),
            Row(keys: "Enter / l / →", action: "open folder or file (a Zarr store [ZARR v2/v3] opens as one image; a plate lists wells, a well fields)"),
            Row(keys: "o", action: "enter a Zarr store as a folder (its levels and labels)"),
            Row(keys: "h / ← / Backspace", action: "parent folder"),
            Row(keys: ".", action: "show / hide hidden files"),
            Row(keys: "/", action: "filter by name (Esc clears)"),
            Row(keys: "Space", action: "mark / unmark a file (for n: send several to napari)"),
        ]),
        Section(title: "Metadata", rows: [
            Row(keys: "↑ ↓ / k j, PgUp PgDn", action: "move"),
            Row(keys: "Enter / l / →", action: "expand"),
            Row(keys: "h / ←", action: "collapse / go to parent"),
            Row(keys: "e / Enter", action: "edit the selected field (PhysicalSize, TimeIncrement, channel, Description)"),
            Row(keys: "u", action: "undo the last edit"),
            Row(keys: "R", action: "reset the selected field to the file's value"),
        ]),
        Section(title: "Cache menu (p)", rows: [
            Row(keys: "↑ ↓ / k j", action: "move"),
            Row(keys: "d", action: "purge the selected entry"),
            Row(keys: "f", action: "purge everything for the open (or selected) file: stores, launchers, logs, OMIO's"),
            Row(keys: "s", action: "purge stale, partial and orphan entries"),
            Row(keys: "A", action: "remove this folder's whole .omio_cache (sidecar edits and images stay)"),
            Row(keys: "r", action: "also every .omio_cache below this folder"),
            Row(keys: "y / n", action: "confirm / cancel (the question states the bytes freed)"),
            Row(keys: "Esc / q / p", action: "close the menu"),
        ]),
        Section(title: "Preview", rows: [
            Row(keys: "h j k l / arrows", action: "pan while zoomed"),
        ]),
    ]

    /// `:` commands, listed by `:help` and in the overlay.
    static let commands: [Row] = [
        Row(keys: ":t N  :z N  :c N", action: "go to a time point, slice or channel (1-based)"),
        Row(keys: ":series N", action: "show another series of a multi-series file"),
        Row(keys: ":contrast LO:HI", action: "manual contrast limits for the shown channel(s)"),
        Row(keys: ":symbols half|quad|sextant", action: "glyph set"),
        Row(keys: ":reduce mean|max", action: "how pixels are merged into a cell"),
        Row(keys: ":set KEY=VALUE", action: "correct metadata (:set PhysicalSizeZ=5, :set PhysicalSizeZ=5000 nm)"),
        Row(keys: ":reset [KEY]", action: "back to the file's value (all fields without KEY)"),
        Row(keys: ":export [PATH]", action: "write an OME-TIFF with the corrections (default NAME.corrected.ome.tif)"),
        Row(keys: ":slice OUT [t=A:B …]", action: "write what the preview shows (this T, Z, channel(s), the zoomed window) as .npy, .ome.tif or .ome.zarr; t= z= c= y= x= (or --t V) take slice's ranges; quote a name with spaces (\"my out.npy\")"),
        Row(keys: ":purge", action: "the cache menu (as p)"),
        Row(keys: ":napari", action: "send to napari (as n)"),
        Row(keys: ":q", action: "quit"),
    ]
}
