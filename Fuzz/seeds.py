#!/usr/bin/env python3
"""Seed corpora for the fuzz targets (standard library only).

    seeds.py OUTDIR FILE...

Writes OUTDIR/<target>/ for each target of Tests/FaultTests/Harness/FuzzHarness.swift:
  tiff     the files themselves (up to MAX_TIFF bytes)
  imagej   ImageJ descriptions, NUL, flags byte, block count, u32 block sizes, IJMetadata bytes
  ome-xml  OME-XML descriptions, as found and with Pixels sizes shrunk so the synthetic file
           matches them
  lsm      config byte + the CZ_LSMINFO record with its ChannelColors and TimeStamps blocks
           moved behind it (offsets rewritten to file offsets from 8)
  display  0x80 + the small files; synthetic planes of every sample type whose samples hold
           the extremes (NaN, +-Inf, +-max, denormals, integer limits)
  store    the small files (the store builder writes every plane: kept under MAX_STORE bytes)
plus a few hand-written seeds per text target.
"""
import hashlib
import os
import re
import struct
import sys

MAX_TIFF = 2_500_000
MAX_STORE = 300_000


def display_synthetic():
    """Config byte (EngineFuzzHarness.display: bits 0-2 sample type, 3 three channels, 4 big
    endian, 5 max, 6 zoom), width and height bytes, then samples with the extremes in them."""
    samples = {
        0: struct.pack("<8B", 0, 255, 1, 254, 128, 0, 255, 7),
        1: struct.pack("<8b", -128, 127, 0, -1, 1, -128, 127, 0),
        2: struct.pack("<8H", 0, 65535, 1, 65534, 32768, 0, 65535, 3),
        3: struct.pack("<8h", -32768, 32767, 0, -1, 1, -32768, 32767, 0),
        4: struct.pack("<6I", 0, 0xFFFFFFFF, 1, 0xFFFFFFFE, 0x80000000, 0),
        5: struct.pack("<6i", -2**31, 2**31 - 1, 0, -1, 1, -2**31),
        6: struct.pack("<8f", float("nan"), float("inf"), float("-inf"), 3.4e38, -3.4e38, 1e-45, 0.0, 1.0),
        7: struct.pack("<8d", float("nan"), float("inf"), float("-inf"), 1.7e308, -1.7e308, 5e-324, 0.0, 1.0),
    }
    seeds = []
    for t, body in samples.items():
        for flags in (0, 0x08, 0x20, 0x40):
            seeds.append(bytes([t | flags, 40, 30]) + body)
    # Constant and all-NaN planes.
    seeds.append(bytes([6, 20, 20]) + struct.pack("<f", float("nan")))
    seeds.append(bytes([7, 20, 20]) + struct.pack("<d", 7.0))
    return seeds


def ifd0(data):
    """(endian, {tag: (type, count, value bytes)}) of the first IFD, or None."""
    if len(data) < 8 or data[:2] not in (b"II", b"MM"):
        return None
    e = "<" if data[:2] == b"II" else ">"
    magic = struct.unpack_from(e + "H", data, 2)[0]
    sizes = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8, 17: 8, 18: 8}
    try:
        if magic == 42:
            off = struct.unpack_from(e + "I", data, 4)[0]
            n = struct.unpack_from(e + "H", data, off)[0]
            pos, entry, inline, cfmt, ofmt = off + 2, 12, 4, "I", "I"
        elif magic == 43:
            off = struct.unpack_from(e + "Q", data, 8)[0]
            n = struct.unpack_from(e + "Q", data, off)[0]
            pos, entry, inline, cfmt, ofmt = off + 8, 20, 8, "Q", "Q"
        else:
            return None
        tags = {}
        for i in range(min(n, 4096)):
            p = pos + i * entry
            tag, typ = struct.unpack_from(e + "HH", data, p)
            count = struct.unpack_from(e + cfmt, data, p + 4)[0]
            size = sizes.get(typ, 0) * count
            if size == 0 or size > len(data):
                continue
            vp = p + 4 + struct.calcsize(cfmt)
            if size <= inline:
                value = data[vp:vp + size]
            else:
                vo = struct.unpack_from(e + ofmt, data, vp)[0]
                value = data[vo:vo + size]
            tags[tag] = (typ, count, value)
        return e, tags
    except (struct.error, OverflowError, ValueError, IndexError):
        return None


def write(outdir, target, payload):
    d = os.path.join(outdir, target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(payload).hexdigest()
    with open(os.path.join(d, name), "wb") as f:
        f.write(payload)


def text(value):
    return value.split(b"\0", 1)[0]


def imagej_seed(desc, e, tags):
    flags = 1 if e == ">" else 0
    blob = b""
    counts = []
    if 50838 in tags and 50839 in tags:
        typ, n, raw = tags[50838]
        fmt = {3: "H", 4: "I"}.get(typ)
        if fmt:
            counts = list(struct.unpack_from(e + fmt * n, raw))[:64]
            blob = tags[50839][2]
    return desc + b"\0" + bytes([flags, len(counts)]) + b"".join(struct.pack("<I", c) for c in counts) + blob


def shrink_ome(xml):
    """The same XML with every Pixels SizeX/SizeY made small (a synthetic page is then its size)."""
    xml = re.sub(rb'SizeX="\d+"', b'SizeX="7"', xml)
    return re.sub(rb'SizeY="\d+"', b'SizeY="5"', xml)


def lsm_seed(data, tags):
    typ, count, record = tags[34412]
    record = bytearray(record)
    if len(record) < 140:
        return None
    base = 8  # the harness places the record at file offset 8

    def block(at_field, size_at=0):
        off = struct.unpack_from("<I", record, at_field)[0]
        if off == 0 or off + 8 > len(data):
            return b""
        size = struct.unpack_from("<I", data, off + size_at)[0]
        return data[off:off + min(size, 65536)]

    colors = block(108)
    stamps = block(132)
    if colors:
        struct.pack_into("<I", record, 108, base + len(record))
    if stamps:
        struct.pack_into("<I", record, 132, base + len(record) + len(colors))
    # Image pages: the harness makes (config & 7) + 1 of them; channels from bits 4-5.
    channels = max(1, min(4, struct.unpack_from("<i", record, 20)[0]))
    config = 7 | 8 | ((channels - 1) << 4)
    return bytes([config]) + bytes(record) + colors + stamps


HAND_IMAGEJ = [
    b"ImageJ=1.54f\nimages=6\nchannels=2\nslices=3\nhyperstack=true\nmode=composite\nunit=micron\nspacing=2.5\nloop=false\n",
    b"ImageJ=1.54f\nimages=5\nframes=5\nfinterval=0.5\ntunit=ms\nunit=\\u00B5m\nloop=false\n",
    b"ImageJ=1.11a\nimages=40\nslices=40\nunit=mm\nspacing=1.5\nmin=0.0\nmax=255.0\n",
    b"ImageJ=1.54f\nimages=12\nchannels=3\nframes=4\nfps=10\nunit=pixel\n",
    b"ImageJ=\nimages=1\n",
]

HAND_OME = [
    b'<?xml version="1.0" encoding="UTF-8"?><OME xmlns="http://www.openmicroscopy.org/schemas/ome/2016-06" UUID="urn:uuid:1">'
    b'<Image ID="Image:0" Name="x"><Pixels ID="Pixels:0" DimensionOrder="XYCZT" Type="uint16" SizeX="7" SizeY="5" SizeZ="2" SizeC="3" SizeT="2"'
    b' PhysicalSizeX="0.5" PhysicalSizeXUnit="nm" PhysicalSizeZ="2" TimeIncrement="20" TimeIncrementUnit="ms">'
    b'<Channel ID="Channel:0:0" Name="DAPI" Color="-16776961" SamplesPerPixel="1"/><Channel ID="Channel:0:1"/><Channel ID="Channel:0:2"/>'
    b'<TiffData IFD="0" PlaneCount="6"><UUID FileName="fuzz.ome.tif">urn:uuid:1</UUID></TiffData>'
    b'<TiffData IFD="6" FirstT="1"/><Plane TheZ="0" TheC="0" TheT="0" DeltaT="0"/><Plane TheZ="0" TheC="0" TheT="1" DeltaT="1.5"/>'
    b'</Pixels></Image><StructuredAnnotations><MapAnnotation ID="A:0"><Value><M K="a">b</M></Value></MapAnnotation>'
    b'<CommentAnnotation ID="A:1"><Value>c</Value></CommentAnnotation></StructuredAnnotations></OME>',
    b'<OME xmlns="http://www.openmicroscopy.org/schemas/ome/2016-06"><Image ID="Image:0"><Pixels DimensionOrder="XYZTC" Type="uint8"'
    b' SizeX="4" SizeY="3" SizeZ="1" SizeC="3" SizeT="1"><Channel ID="Channel:0:0" SamplesPerPixel="3"/><TiffData/></Pixels></Image>'
    b'<Image ID="Image:1"><Pixels DimensionOrder="XYZCT" Type="float" SizeX="4" SizeY="3" SizeZ="2" SizeC="1" SizeT="1">'
    b'<TiffData IFD="1" PlaneCount="2"/></Pixels></Image></OME>',
    b'<OME xmlns="http://www.openmicroscopy.org/schemas/ome/2016-06"><BinaryOnly MetadataFile="companion.ome" UUID="urn:uuid:2"/></OME>',
]


def lsm_synthetic():
    """A hand-made CZ_LSMINFO: 2 Z x 4 T, voxel sizes in metres, colours and time stamps."""
    rec = bytearray(224)
    struct.pack_into("<IiiiiiiI", rec, 0, 0x00400494C, 224, 6, 5, 2, 2, 4, 0)
    struct.pack_into("<ddd", rec, 40, 2e-7, 2e-7, 1e-6)
    struct.pack_into("<H", rec, 88, 6)
    colors_at = 8 + len(rec)
    names = b"\x04\x00\x00\x00Ch1\x00\x04\x00\x00\x00Ch2\x00"
    colors = struct.pack("<IIIII", 28 + len(names), 2, 2, 20, 28) + b"\xff\x00\x00\x00\x00\xff\x00\x00" + names
    stamps = struct.pack("<IIddd", 32, 3, 0.0, 0.25, 0.5)
    struct.pack_into("<I", rec, 108, colors_at)
    struct.pack_into("<I", rec, 132, colors_at + len(colors))
    return bytes([7 | 8 | (1 << 4)]) + bytes(rec) + colors + stamps


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    outdir, files = sys.argv[1], sys.argv[2:]
    for path in files:
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            continue
        if len(data) <= MAX_TIFF:
            write(outdir, "tiff", data)
            write(outdir, "display", b"\x80" + data)
        if len(data) <= MAX_STORE:
            write(outdir, "store", data)
        parsed = ifd0(data)
        if not parsed:
            continue
        e, tags = parsed
        desc = text(tags[270][2]) if 270 in tags else b""
        if desc.startswith(b"ImageJ="):
            write(outdir, "imagej", imagej_seed(desc, e, tags))
        if b"<OME" in desc[:4096] or b":OME " in desc[:4096]:
            write(outdir, "ome-xml", desc)
            write(outdir, "ome-xml", shrink_ome(desc))
        if 34412 in tags:
            seed = lsm_seed(data, tags)
            if seed:
                write(outdir, "lsm", seed)
    for s in HAND_IMAGEJ:
        write(outdir, "imagej", s)
    for s in HAND_OME:
        write(outdir, "ome-xml", s)
    write(outdir, "lsm", lsm_synthetic())
    for seed in display_synthetic():
        write(outdir, "display", seed)
    for t in ("tiff", "imagej", "ome-xml", "lsm", "display", "store"):
        d = os.path.join(outdir, t)
        print(f"seeds: {t}: {len(os.listdir(d)) if os.path.isdir(d) else 0} files")


if __name__ == "__main__":
    main()
