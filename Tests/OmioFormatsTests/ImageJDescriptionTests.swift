import OmioFormats
import Testing

struct ImageJDescriptionTests {
    @Test func valuesParseAsIntThenFloatThenBoolElseText() {
        let d = ImageJDescription("ImageJ=1.54f\nimages=30\nchannels=2\nspacing=0.0000185\nhyperstack=true\nunit=micron\nmode=composite\n")
        #expect(d.int("images") == 30)
        #expect(d.double("spacing") == 0.0000185)
        #expect(d["hyperstack"] == .bool(true))
        #expect(d.string("unit") == "micron")
        #expect(d.string("ImageJ") == "1.54f")
        #expect(d.int("frames") == nil)
    }

    @Test func toleratesJunk() {
        let d = ImageJDescription("ImageJ=\n=5\nnovalue\nkey=\r\nx = 3 \n")
        #expect(d.int("x") == 3)
        #expect(d.string("key") == "")
    }

    @Test(arguments: [("micron", 1.0), ("um", 1.0), ("µm", 1.0), ("\u{03BC}m", 1.0), ("\\u00B5m", 1.0),
                      ("nm", 1e-3), ("mm", 1e3), ("cm", 1e4), ("inch", 25_400), ("m", 1e6), ("Å", 1e-4)])
    func lengthUnitSpellings(unit: String, factor: Double) {
        #expect(LengthUnit.micrometres(per: unit) == factor)
    }

    @Test func pixelIsUncalibrated() {
        #expect(LengthUnit.isUncalibrated("pixel"))
        #expect(LengthUnit.isUncalibrated("reference frame"))
        #expect(!LengthUnit.isUncalibrated("micron"))
        #expect(LengthUnit.micrometres(per: "parsec-ish") == nil)
    }

    @Test(arguments: [("s", 1.0), ("sec", 1.0), ("ms", 1e-3), ("min", 60.0), ("h", 3600.0), ("µs", 1e-6)])
    func timeUnits(unit: String, seconds: Double) {
        #expect(TimeUnit.seconds(per: unit) == seconds)
    }

    @Test func omeColorIsSignedRGBA() {
        #expect(RGBColor(omeColor: -1) == .white)
        #expect(RGBColor(omeColor: 0x00FF_00FF) == RGBColor(0, 255, 0))
        #expect(RGBColor(omeColor: Int64(RGBColor(12, 34, 56).omeColor)) == RGBColor(12, 34, 56))
        #expect(RGBColor(hex: "#FF00aa") == RGBColor(255, 0, 170))
    }
}
