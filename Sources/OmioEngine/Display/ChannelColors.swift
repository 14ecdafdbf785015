import OmioFormats

/// Channel colours as microscopists expect them: the file's own (ImageJ LUTs, OME Channel
/// Color) when they say something, else napari's defaults.
public enum ChannelColors {
    static let magenta = RGBColor(255, 0, 255), green = RGBColor(0, 255, 0), cyan = RGBColor(0, 255, 255)
    static let yellow = RGBColor(255, 255, 0), red = RGBColor(255, 0, 0), blue = RGBColor(0, 0, 255)

    /// napari: 1 channel gray; 2 magenta, green; more cycle cyan, magenta, yellow, red, green, blue.
    public static func defaults(count: Int) -> [RGBColor] {
        switch count {
        case ...1: return [.white]
        case 2: return [magenta, green]
        default:
            let cycle = [cyan, magenta, yellow, red, green, blue]
            return (0..<count).map { cycle[$0 % cycle.count] }
        }
    }

    /// The file's colours when every channel has one and they are not all the same (Bio-Formats
    /// writes white for every channel by default, which says nothing), else the defaults.
    /// RGB samples are red, green, blue (and white for alpha) whatever the file says.
    public static func resolve(_ m: ImageMetadata) -> [RGBColor] {
        if m.isRGB { return Array([red, green, blue, .white].prefix(m.shape.c)) }
        let given = m.channels.compactMap(\.color)
        if given.count == m.shape.c, m.shape.c == 1 || Set(given).count > 1 { return given }
        return defaults(count: m.shape.c)
    }

    /// napari colormap names for colours it knows; others are passed as RGB.
    public static func napariName(_ c: RGBColor) -> String? {
        switch c {
        case .white: return "gray"
        case magenta: return "magenta"
        case green: return "green"
        case cyan: return "cyan"
        case yellow: return "yellow"
        case red: return "red"
        case blue: return "blue"
        default: return nil
        }
    }
}
