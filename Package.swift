// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Ember",
    products: [
        .library(name: "Ember", targets: ["Ember"]),
        .executable(name: "ember-bench", targets: ["ember-bench"]),
        .executable(name: "two-layer-net", targets: ["two-layer-net"]),
        .executable(name: "autograd-basics", targets: ["autograd-basics"]),
        .executable(name: "dynamic-net", targets: ["dynamic-net"]),
        .executable(name: "tensor-basics", targets: ["tensor-basics"]),
        .executable(name: "custom-module", targets: ["custom-module"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .target(name: "CEmberKernels"),
        .target(
            name: "Ember",
            dependencies: [
                "CBLAS",
                "CEmberKernels",
                .product(name: "RealModule", package: "swift-numerics"),
                .product(name: "OrderedCollections", package: "swift-collections"),
            ],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        .executableTarget(
            name: "ember-bench",
            dependencies: ["Ember", "CBLAS"],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        .executableTarget(
            name: "two-layer-net",
            dependencies: ["Ember"],
            path: "Examples/two-layer-net",
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        .executableTarget(
            name: "autograd-basics",
            dependencies: ["Ember"],
            path: "Examples/autograd-basics",
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        .executableTarget(
            name: "dynamic-net",
            dependencies: ["Ember"],
            path: "Examples/dynamic-net",
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        .executableTarget(
            name: "tensor-basics",
            dependencies: ["Ember"],
            path: "Examples/tensor-basics",
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        .executableTarget(
            name: "custom-module",
            dependencies: ["Ember"],
            path: "Examples/custom-module",
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        .testTarget(
            name: "EmberTests",
            dependencies: ["Ember"],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        .testTarget(
            name: "GoldenTests",
            dependencies: ["Ember"],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
    ]
)
