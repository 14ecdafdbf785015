import Foundation

/// NumPy .npy (format 1.0): a magic, a header dict padded to 64 bytes, then the samples
/// (C order). The header depends only on dtype and shape, so large arrays are streamed:
/// `header` first, then the samples as they are read.
public enum NPYWriter {
    public static func encode(_ buffer: PixelBuffer) -> Data {
        encode(bytes: buffer.bytes, dtype: buffer.dtype, shape: [buffer.height, buffer.width])
    }

    public static func encode(bytes: [UInt8], dtype: PixelType, shape: [Int]) -> Data {
        var data = Data(header(dtype: dtype, shape: shape))
        data.append(contentsOf: bytes)
        return data
    }

    public static func header(dtype: PixelType, shape: [Int]) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(dtype.numpyDescr)', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let len = UInt16(header.utf8.count)
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(len & 0xFF), UInt8(len >> 8)] + Array(header.utf8)
    }
}
