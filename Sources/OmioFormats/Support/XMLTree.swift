import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A parsed XML element with resolved namespaces: OME-XML, CZI metadata and ThorImage's
/// Experiment.xml are small enough to hold as a tree, and lookups by namespace avoid
/// picking up foreign elements that share a local name (non-OME <Channel> in annotations).
public final class XMLElement: @unchecked Sendable {
    public let name: String
    public let namespace: String?
    public let attributes: [(String, String)]
    public internal(set) var children: [XMLElement] = []
    public internal(set) var text: String = ""

    init(name: String, namespace: String?, attributes: [(String, String)]) {
        self.name = name
        self.namespace = namespace
        self.attributes = attributes
    }

    public subscript(attribute: String) -> String? {
        attributes.first(where: { $0.0 == attribute })?.1
    }

    /// Direct children with a local name, in `namespace` when given.
    public func children(_ name: String, namespace: String? = nil) -> [XMLElement] {
        children.filter { $0.name == name && (namespace == nil || $0.namespace == namespace) }
    }

    public func child(_ name: String, namespace: String? = nil) -> XMLElement? {
        children.first { $0.name == name && (namespace == nil || $0.namespace == namespace) }
    }

    /// A path of child names: `element.path("Metadata", "Scaling", "Items")`.
    public func path(_ names: String...) -> XMLElement? {
        var e: XMLElement? = self
        for n in names { e = e?.child(n) }
        return e
    }

    public var trimmedText: String { text.trimmingCharacters(in: .whitespacesAndNewlines) }

    /// As a node of the raw metadata tree: attributes first, then children.
    public func metaNode(maxChildren: Int = 500) -> MetaNode {
        var kids = attributes.map { MetaNode("@\($0.0)", $0.1) }
        let shown = children.prefix(maxChildren)
        kids += shown.map { $0.metaNode(maxChildren: maxChildren) }
        if children.count > maxChildren { kids.append(MetaNode("… \(children.count - maxChildren) more elements")) }
        let t = trimmedText
        let value = t.isEmpty ? nil : (t.count > 200 ? String(t.prefix(200)) + "…" : t)
        return MetaNode(name, value, kids)
    }
}

public enum XMLTree {
    /// Parses a document; errors say where the XML broke.
    public static func parse(_ text: String) throws -> XMLElement {
        try parse(Data(text.utf8))
    }

    public static func parse(_ data: Data) throws -> XMLElement {
        // swift-corelibs-foundation's XMLParser force-unwraps element and attribute names as
        // UTF-8 and traps on invalid bytes, which libxml2 hands through (fuzzing found a byte
        // 0xD6 in an attribute name). Refuse such documents first; declared other encodings
        // are left to libxml2, which transcodes them to valid UTF-8.
        if declaresUTF8(data), String(validating: data, as: UTF8.self) == nil {
            throw FormatError("malformed XML (not valid UTF-8)")
        }
        let delegate = TreeBuilder()
        // FoundationXML traps on element names that are not valid UTF-8 (seen with a
        // byte-flipped CZI): replace invalid bytes before libxml2 sees them.
        let clean = String(validating: data, as: UTF8.self) != nil ? data : Data(String(decoding: data, as: UTF8.self).utf8)
        let parser = XMLParser(data: clean)
        parser.shouldProcessNamespaces = true
        parser.shouldResolveExternalEntities = false
        parser.delegate = delegate
        let ok = parser.parse()
        if !ok || delegate.root == nil {
            // localizedDescription is Foundation's "The operation could not be completed.
            // (NSXMLParserErrorDomain error 5.)": the code alone says as much.
            let err = parser.parserError.map { "XML parser error \(($0 as NSError).code)" } ?? "no root element"
            throw FormatError("malformed XML (line \(parser.lineNumber): \(err))")
        }
        // libxml2 through XMLParser does not always report a document cut short: check that
        // every element was closed.
        if let open = delegate.stack.last {
            throw FormatError("malformed XML (the document ends inside <\(open.name)>)")
        }
        return delegate.root!
    }

    /// True when the document is UTF-8 by XML's rules: no UTF-16/32 byte-order mark, and no
    /// `encoding=` in the declaration or one naming UTF-8.
    static func declaresUTF8(_ data: Data) -> Bool {
        let head = [UInt8](data.prefix(256))
        if head.starts(with: [0xFE, 0xFF]) || head.starts(with: [0xFF, 0xFE]) || head.starts(with: [0, 0]) { return false }
        guard head.starts(with: Array("<?xml".utf8)), let end = head.firstIndex(of: UInt8(ascii: ">")) else { return true }
        let declaration = String(decoding: head[..<end], as: UTF8.self).lowercased()
        guard let range = declaration.range(of: "encoding") else { return true }
        let value = declaration[range.upperBound...].drop { $0 == " " || $0 == "=" || $0 == "\"" || $0 == "'" }
        return value.hasPrefix("utf-8") || value.hasPrefix("utf8")
    }

    private final class TreeBuilder: NSObject, XMLParserDelegate {
        var root: XMLElement?
        var stack: [XMLElement] = []
        /// Nesting deeper than this is refused rather than followed (fuzzed XML).
        static let maxDepth = 256

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                    qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
            if stack.count >= TreeBuilder.maxDepth {
                parser.abortParsing()
                return
            }
            let attrs = attributeDict.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            let e = XMLElement(name: elementName, namespace: namespaceURI?.isEmpty == true ? nil : namespaceURI, attributes: attrs)
            if let parent = stack.last { parent.children.append(e) } else if root == nil { root = e }
            stack.append(e)
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
            _ = stack.popLast()
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            stack.last?.text += string
        }

        func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
            stack.last?.text += String(decoding: CDATABlock, as: UTF8.self)
        }
    }
}
