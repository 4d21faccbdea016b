// swift-tools-version:6.0
import PackageDescription

/// The notes' programs, ported: one executable each, `swift run -c release <name>`.
let examples = ["tensor-basics", "autograd-basics", "two-layer-net", "dynamic-net", "custom-module", "gan", "time-sequence-prediction", "word-language-model", "vae"]

let package = Package(
    name: "Ember",
    products: [
        .library(name: "Ember", targets: ["Ember"]),
        .library(name: "EmberVision", targets: ["EmberVision"]),
        .library(name: "EmberAudio", targets: ["EmberAudio"]),
        .executable(name: "ember", targets: ["ember"]),
        .executable(name: "ember-bench", targets: ["ember-bench"]),
    ] + examples.map { .executable(name: $0, targets: [$0]) },
    dependencies: [
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.19"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // `swift package generate-documentation`: the DocC catalogs under Sources/*/*.docc (`make docs`).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .target(name: "CEmberKernels", linkerSettings: [.linkedLibrary("z"), .linkedLibrary("deflate")]),
        // The CUDA driver's and NVRTC's prototypes as function-pointer types: CUDA is loaded at run time.
        .target(name: "CCUDA"),
        .target(
            name: "Ember",
            dependencies: [
                "CBLAS",
                "CEmberKernels",
                "CCUDA",
                .product(name: "RealModule", package: "swift-numerics"),
                .product(name: "ComplexModule", package: "swift-numerics"),
                .product(name: "OrderedCollections", package: "swift-collections"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]
        ),
        .target(name: "CEmberVision", linkerSettings: [.linkedLibrary("png"), .linkedLibrary("jpeg"), .linkedLibrary("z")]),
        .target(
            name: "EmberVision",
            dependencies: ["Ember", "CEmberVision", .product(name: "OrderedCollections", package: "swift-collections")]
        ),
        .target(
            name: "EmberAudio",
            dependencies: ["Ember"]
        ),
        .executableTarget(
            name: "ember",
            dependencies: ["Ember", "EmberVision", "CBLAS", "CEmberKernels", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "OrderedCollections", package: "swift-collections")]
        ),
        .executableTarget(
            name: "ember-bench",
            dependencies: ["Ember", "EmberVision", "EmberAudio", "CBLAS", .product(name: "OrderedCollections", package: "swift-collections")]
        ),
        .testTarget(
            name: "EmberTests",
            dependencies: [
                "Ember",
                "EmberVision",
                "CEmberKernels",
                "CCUDA",
                .product(name: "OrderedCollections", package: "swift-collections"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            exclude: ["FuzzRegressions", "Fixtures"]
        ),
        .testTarget(
            name: "EmberVisionTests",
            dependencies: ["Ember", "EmberVision", "CEmberVision", "ember", .product(name: "OrderedCollections", package: "swift-collections")],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "EmberAudioTests",
            dependencies: ["Ember", "EmberAudio"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "GoldenTests",
            dependencies: ["Ember"]
        ),
    ] + examples.map {
        .executableTarget(name: $0, dependencies: ["Ember", "EmberVision"], path: "Examples/\($0)")
    }
)
