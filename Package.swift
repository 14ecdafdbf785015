// swift-tools-version:6.0
import PackageDescription

// Language mode 5: ncurses and libtiff are C globals and handles that Swift 6's strict
// concurrency checking cannot see are confined (ncurses to the main thread, TIFF handles to
// one borrower at a time); the code keeps those rules by construction instead.
let swift5: [SwiftSetting] = [.swiftLanguageMode(.v5)]

let package = Package(
    name: "omio-tui",
    products: [
        .executable(name: "omio-tui", targets: ["omio-tui"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(name: "CTIFF", pkgConfig: "libtiff-4", providers: [.apt(["libtiff-dev"])]),
        .systemLibrary(name: "CNcurses", providers: [.apt(["libncursesw5-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        // c-blosc 1.21 for Zarr's blosc codec (lz4, lz4hc, zstd, zlib; byte and bit shuffle).
        .systemLibrary(name: "CBlosc", providers: [.apt(["libblosc-dev"])]),
        // libcurl for remote stores' GETs (why not URLSession: HTTPTransport.swift, README).
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // The TUI's fatal-signal handler and the registry of temporary outputs a signal removes:
        // async-signal-safe code cannot be written in Swift.
        .target(name: "CTerminalGuard"),
        .target(name: "OmioFormats", dependencies: ["CTIFF", "CZlib", "CZstd", "CBlosc", "CCurl", "CTerminalGuard"], swiftSettings: swift5),
        // Napari/launcher.py is embedded as Napari/LauncherTemplate.swift (scripts/embed-launcher.sh).
        .target(name: "OmioEngine", dependencies: ["OmioFormats", "CZlib", "CZstd"], exclude: ["Napari/launcher.py"], swiftSettings: swift5),
        // Plane -> what a terminal shows: the slice pipeline and the renderers. Shared by the TUI,
        // `omio-tui render` and the bench; knows nothing of ncurses or the command line.
        .target(name: "OmioRender", dependencies: ["OmioEngine", "OmioFormats", "CZlib"], swiftSettings: swift5),
        .target(
            name: "OmioTUI",
            dependencies: [
                "OmioRender", "OmioEngine", "OmioFormats", "CNcurses", "CTerminalGuard",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swift5
        ),
        .executableTarget(name: "omio-tui", dependencies: ["OmioTUI"], swiftSettings: swift5),
        // Test and benchmark fixtures (synthetic planes with burned-in labels); not shipped.
        .target(name: "OmioFixtures", dependencies: ["OmioFormats"], swiftSettings: swift5),
        // Measuring a render: ANSI text back to cells, cells to pixels, PSNR. Not shipped.
        .target(name: "OmioRenderQuality", dependencies: ["OmioRender", "CZlib"], swiftSettings: swift5),
        // Fixture generators and the benchmark harness; not shipped.
        .executableTarget(
            name: "omio-devtool",
            dependencies: [
                "OmioEngine", "OmioFormats", "OmioFixtures", "OmioRender", "OmioRenderQuality", "OmioTUI", "CZlib",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swift5
        ),
        .testTarget(name: "OmioFormatsTests", dependencies: ["OmioFormats", "OmioFixtures"], swiftSettings: swift5),
        .testTarget(name: "OmioEngineTests", dependencies: ["OmioEngine", "OmioFixtures"], swiftSettings: swift5),
        .testTarget(name: "OmioRenderTests", dependencies: ["OmioRender", "OmioRenderQuality", "OmioFixtures", "CZlib"], swiftSettings: swift5),
        .testTarget(name: "OmioTUITests", dependencies: ["OmioTUI", "OmioRender", "OmioRenderQuality", "OmioFixtures"], swiftSettings: swift5),
        .testTarget(name: "EndToEndTests", dependencies: ["OmioFormats", "OmioFixtures", "omio-tui"], swiftSettings: swift5),
        // Regressions/ holds fuzz inputs the tests read from the source tree, not resources.
        .testTarget(name: "FaultTests", dependencies: ["OmioFormats", "OmioEngine", "OmioFixtures"], exclude: ["Regressions"], swiftSettings: swift5),
    ]
)
