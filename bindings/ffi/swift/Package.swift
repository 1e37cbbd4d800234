// swift-tools-version:5.9
// The Swift package of the pos-sdk bindings. `generate.sh` fills Sources/
// from uniffi-bindgen's output; the app links libpos_ffi built for its
// platform (e.g. an XCFramework made with `cargo build --target aarch64-apple-ios`).
// Not compiled on this project's machines (no Swift toolchain): the header
// and symbols are checked by check.sh instead.
import PackageDescription

let package = Package(
    name: "PosFFI",
    products: [.library(name: "PosFFI", targets: ["PosFFI"])],
    targets: [
        .systemLibrary(name: "pos_ffiFFI", path: "Sources/pos_ffiFFI/include"),
        .target(
            name: "PosFFI",
            dependencies: ["pos_ffiFFI"],
            path: "Sources/PosFFI",
            linkerSettings: [.linkedLibrary("pos_ffi")]
        ),
    ]
)
