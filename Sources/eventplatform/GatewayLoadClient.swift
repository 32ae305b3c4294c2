import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LoadGenerator

/// Sends generated events to a running gateway over HTTP, as webhook publishers and services would.
struct GatewayLoadClient: Sendable {
    enum Mode: String, CaseIterable, Sendable {
        /// One event per `POST /webhook/events` (product events: one per `POST /events`).
        case single
        /// A JSON array of events per `POST /webhook/events` (product events: `POST /events`).
        case array
        /// `{ "events": [...] }` per `POST /webhook/events/bulk` (product events: `POST /events`).
        case bulk
    }

    /// What the gateway answered for one request.
    struct Answer: Sendable {
        var status: Int
        var accepted: Int
        var rejected: Int
        var duplicates: Int
    }

    let baseURL: URL
    let mode: Mode
    private let session: URLSession

    init(baseURL: URL, mode: Mode) {
        self.baseURL = baseURL
        self.mode = mode
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 60
        self.session = URLSession(configuration: configuration)
    }

    /// Posts `events` (all social, or all product events) in one request and reads the counts back.
    func send(_ events: [SampleEvent]) async throws -> Answer {
        guard let first = events.first else { return Answer(status: 0, accepted: 0, rejected: 0, duplicates: 0) }
        let items = events.map(\.json)
        let path: String, body: [UInt8]
        if first.source == .app {
            path = "/events"
            body = Self.wrap(items)
        } else {
            switch mode {
            case .single: (path, body) = ("/webhook/events", items[0])
            case .array: (path, body) = ("/webhook/events", Self.array(items))
            case .bulk: (path, body) = ("/webhook/events/bulk", Self.wrap(items))
            }
        }
        var request = URLRequest(url: baseURL.appendingPathComponent(path))
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "content-type")
        request.httpBody = Data(body)
        let (data, response) = try await session.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        let counts = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        return Answer(
            status: status,
            accepted: counts?["accepted"] as? Int ?? 0,
            rejected: counts?["rejected"] as? Int ?? 0,
            duplicates: counts?["duplicates"] as? Int ?? 0
        )
    }

    private static func array(_ items: [[UInt8]]) -> [UInt8] {
        var body: [UInt8] = [UInt8(ascii: "[")]
        for (index, item) in items.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            body += item
        }
        body.append(UInt8(ascii: "]"))
        return body
    }

    private static func wrap(_ items: [[UInt8]]) -> [UInt8] {
        Array(#"{"events":"#.utf8) + array(items) + [UInt8(ascii: "}")]
    }
}

extension GatewayLoadClient {
    /// Whether `url` answers 200.
    static func isServing(_ url: URL) async -> Bool {
        guard let (_, response) = try? await URLSession(configuration: .ephemeral).data(from: url) else { return false }
        return (response as? HTTPURLResponse)?.statusCode == 200
    }
}
