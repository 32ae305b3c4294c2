// swift-tools-version: 6.0
// libFuzzer harnesses for the JSON parser and the event validators. A package of its own, so that the
// main package's `swift build` never sees an executable without `main`; `Sources/EventModel` is a link to
// the main package's target, so nothing else is resolved or built. Run through scripts/fuzz.sh, which
// builds with `--sanitize=fuzzer` and `--sanitize=address` and starts from Fuzz/Corpus.
import PackageDescription

let package = Package(
    name: "EventPlatformFuzz",
    targets: [
        .target(name: "EventModel"),
        .executableTarget(
            name: "EventRequestFuzzer",
            dependencies: ["EventModel"],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
    ]
)
