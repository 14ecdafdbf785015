import Foundation
import OmioFixtures
import Testing
@testable import OmioTUI

/// The `?` overlay is the KeyBindings table and the keys are handled by separate switches:
/// these tests hold the two together. Every key a row names must be handled where the row's
/// section says, and every key a handler takes must be named by a row of that section.
@Suite struct KeyBindingTests {
    /// Where a section's keys are handled, with the model in the state they apply to.
    enum Scope: String, CaseIterable {
        case everywhere = "Everywhere", browser = "Browser", metadata = "Metadata", cacheMenu = "Cache menu (p)", preview = "Preview"

        /// A fresh model (an open multi-channel stack) in the state where this scope's keys
        /// act, and its handler: true when the key is bound.
        func handler() -> (Key) -> Bool {
            let d = AppDriver(path: TestPaths.exampleData + "/hyperstack_T3_Z5_C2.tif")
            let m = d.model
            switch self {
            case .everywhere:
                m.focus = .tree // `.` steps Z outside the browser
                return m.handleGlobal
            case .browser: return m.handleBrowser
            case .metadata: return m.handleTree
            case .cacheMenu:
                m.openPurgeMenu()
                d.pump()
                return m.handlePurgeMenu
            case .preview:
                m.handle(.char("z"))
                d.pump()
                return m.handlePreview
            }
        }
    }

    /// Every key a handler could be given.
    static let allKeys: [Key] = (0x20...0x7E).map { Key.char(Character(UnicodeScalar($0)!)) }
        + [.up, .down, .left, .right, .enter, .backspace, .tab, .backTab, .escape, .pageUp, .pageDown, .home, .end, .delete]

    /// The keys a row's label names: words separated by spaces, `/` between alternatives, a
    /// trailing comma between groups; names as `Key.label` writes them, and `arrows`.
    static func keys(in label: String) -> (keys: [Key], unknown: [String]) {
        let words = label.split(separator: " ").map(String.init)
        var keys: [Key] = [], unknown: [String] = []
        for word in words {
            if word == "/", words.count > 1 { continue }
            let name = word.count > 1 && word.hasSuffix(",") ? String(word.dropLast()) : word
            if name == "arrows" {
                keys += [.up, .down, .left, .right]
            } else if let key = allKeys.first(where: { $0.label == name }) {
                keys.append(key)
            } else {
                unknown.append(name)
            }
        }
        return (keys, unknown)
    }

    static func section(_ scope: Scope) throws -> KeyBindings.Section {
        try #require(KeyBindings.sections.first { $0.title == scope.rawValue }, "no section \(scope.rawValue)")
    }

    @Test func everySectionHasAScope() {
        #expect(KeyBindings.sections.map(\.title) == Scope.allCases.map(\.rawValue))
    }

    @Test(arguments: Scope.allCases)
    func everyRowIsHandled(scope: Scope) throws {
        for row in try Self.section(scope).rows {
            let (keys, unknown) = Self.keys(in: row.keys)
            #expect(unknown.isEmpty && !keys.isEmpty, "\(scope.rawValue): '\(row.keys)' names no key: \(unknown)")
            // While a question is asked every key answers it; y and n are its two answers.
            if scope == .cacheMenu, row.keys == "y / n" { continue }
            for key in keys {
                #expect(scope.handler()(key), "\(scope.rawValue): '\(row.keys)' (\(row.action)) lists \(key.label), which does nothing")
            }
        }
    }

    @Test(arguments: Scope.allCases)
    func everyHandledKeyHasARow(scope: Scope) throws {
        let listed = Set(try Self.section(scope).rows.flatMap { Self.keys(in: $0.keys).keys })
        // A key that is not handled changes nothing, so the model is only made anew after one that is.
        var handler = scope.handler()
        for key in Self.allKeys where !listed.contains(key) {
            guard handler(key) else { continue }
            Issue.record("\(scope.rawValue): \(key.label) is bound but the help does not list it")
            handler = scope.handler()
        }
    }
}
