import Foundation

/// Opens a TIFF-family file and hands it to the reader its content calls for:
/// LSM (CZ_LSMINFO tag), OME-TIFF (OME-XML description), ImageJ (`ImageJ=` description),
/// or plain TIFF/BigTIFF.
enum TIFFFamilyReader {
    static func open(path: String) throws -> TIFFSource {
        let container: TIFFContainer
        do {
            container = try TIFFContainer(path: path)
        } catch {
            throw OmioError(path, error.omioReason)
        }
        let member = TIFFMember(container: container)
        do {
            let ifd0 = try container.ifd(0)
            let description = container.string(ifd0, TIFFTag.imageDescription) ?? ""
            if ifd0.has(TIFFTag.lsmInfo) {
                return try LSMReader.open(path: path, member: member)
            }
            if OMEReader.looksLikeOME(description) {
                do {
                    return try OMEReader.open(path: path, member: member, xml: description)
                } catch let e as OMEReader.Fallback {
                    return try GenericTIFFReader.open(path: path, member: member, warnings: [e.reason])
                }
            }
            if ImageJDescription.isImageJ(description) {
                return try ImageJReader.open(path: path, member: member, description: description)
            }
            return try GenericTIFFReader.open(path: path, member: member, warnings: [])
        } catch let e as OmioError {
            throw e
        } catch {
            throw OmioError(path, error.omioReason)
        }
    }

    /// Layouts of the main-chain pages, in order; pages whose layout is invalid are reported.
    static func pageLayouts(_ member: TIFFMember) -> [(index: Int, layout: Result<TIFFPageLayout, Error>)] {
        member.container.ifdOffsets.enumerated().map { i, off in
            (i, Result { try member.layout(at: off) })
        }
    }

    /// Pyramid level sizes below a page (SubIFDs), level 0 first.
    static func levels(of member: TIFFMember, page: TIFFPageLayout) -> [(height: Int, width: Int)] {
        var out = [(height: page.height, width: page.width)]
        if let subs = try? member.subIFDs(of: page.ifdOffset) {
            for off in subs {
                guard let l = try? member.layout(at: off), l.dtype == page.dtype, l.width < out.last!.width || l.height < out.last!.height
                else { break }
                out.append((l.height, l.width))
            }
        }
        return out
    }

    /// Pixel size from XResolution/YResolution (pixels per unit) and ResolutionUnit, in µm.
    /// `unitOverride` is the unit a format states elsewhere (ImageJ's unit=) for
    /// ResolutionUnit none.
    static func resolutionSizes(_ c: TIFFContainer, _ ifd: TIFFIFD, unitOverride: String?) -> (x: Double?, y: Double?, unit: String?) {
        let resUnit = (try? c.integer(ifd, TIFFTag.resolutionUnit)) ?? nil
        let unit: String?
        switch resUnit {
        case 3: unit = "cm"
        case 2: unit = unitOverride ?? "inch"
        default: unit = unitOverride
        }
        guard let unit, !LengthUnit.isUncalibrated(unit), let factor = LengthUnit.micrometres(per: unit) else {
            return (nil, nil, unit)
        }
        func size(_ tag: UInt16) -> Double? {
            guard let r = c.double(ifd, tag), r.isFinite, r > 0 else { return nil }
            return factor / r
        }
        return (size(TIFFTag.xResolution), size(TIFFTag.yResolution), unit)
    }

    static func dimensionMismatch(_ a: TIFFPageLayout, _ b: TIFFPageLayout) -> Bool {
        a.width != b.width || a.height != b.height || a.dtype != b.dtype || a.samplesPerPixel != b.samplesPerPixel
    }
}
