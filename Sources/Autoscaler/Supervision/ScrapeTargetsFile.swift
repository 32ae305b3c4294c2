import Foundation
import Synchronization

/// A Prometheus file-based service discovery file listing the collectors the supervisor runs, so that
/// Prometheus scrapes instances started later too. Rewritten (atomically) whenever an instance starts or stops.
final class ScrapeTargetsFile: Sendable {
    private let path: String
    /// The host Prometheus reaches the collectors at (this machine's, or a container's name).
    private let host: String
    private let targets = Mutex<[String: Group]>([:])

    struct Group: Sendable, Hashable {
        var source: String
        var ports: [Int]
    }

    init(path: String, host: String) {
        self.path = path
        self.host = host
    }

    /// Records the ports of `group`'s collectors and rewrites the file if they changed.
    func update(group: String, source: String, ports: [Int]) throws {
        let entry = Group(source: source, ports: ports.sorted())
        let changed = targets.withLock { targets in
            guard targets[group] != entry else { return nil as [String: Group]? }
            targets[group] = entry
            return targets
        }
        guard let snapshot = changed else { return }
        let document: [[String: Any]] = snapshot.sorted { $0.key < $1.key }.map { group, entry in
            ["targets": entry.ports.map { "\(host):\($0)" }, "labels": ["group": group, "source": entry.source]]
        }
        let data = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        // Prometheus may read at any moment: write aside and rename over.
        try data.write(to: url, options: .atomic)
    }
}
