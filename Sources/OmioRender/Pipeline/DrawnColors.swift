import OmioFormats

/// The colour each drawn channel is mapped to. The one home of the rule that a single channel
/// shown alone is drawn in gray (a white ramp), as Fiji and napari do: colours are for telling
/// channels apart in the composite (and R, G, B in true colour).
public enum DrawnColors {
    /// The ramp colour of `channel` when `drawn` are the channels on screen.
    public static func color(of channel: Int, drawn: [Int], colors: [RGBColor]) -> RGBColor {
        single(drawn: drawn) ?? colors[channel]
    }

    /// The one colour every cell is a shade of when a single channel is drawn (the 256-colour
    /// painter redefines the palette as a ramp of it); nil for a composite or a colour image.
    public static func single(drawn: [Int]) -> RGBColor? {
        drawn.count == 1 ? .white : nil
    }
}
