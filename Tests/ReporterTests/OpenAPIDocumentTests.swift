@testable import Reporter
import Testing

/// `/openapi.yaml` lists every route the service answers, with exactly the parameters each accepts.
@Suite struct OpenAPIDocumentTests {
    /// The lines of the `paths` entry of `path`: from its key to the next key at the same depth.
    func entry(_ path: String) -> [Substring] {
        let lines = OpenAPIDocument.yaml.split(separator: "\n")
        guard let start = lines.firstIndex(of: "  \(path):"[...]) else { return [] }
        let rest = lines[(start + 1)...]
        let end = rest.firstIndex { !$0.hasPrefix("    ") } ?? lines.endIndex
        return Array(lines[start..<end])
    }

    /// The parameter names an entry lists, inline (`name: x`) or by reference to a shared one.
    func parameters(_ lines: [Substring]) -> Set<String> {
        var names: Set<String> = []
        for line in lines {
            if let range = line.range(of: "$ref: '#/components/parameters/") {
                names.insert(String(line[range.upperBound...].prefix { $0 != "'" }))
            } else if let range = line.range(of: "{name: ") {
                names.insert(String(line[range.upperBound...].prefix { $0 != "," }))
            }
        }
        return names
    }

    @Test func everyRouteAndParameterIsDocumented() {
        #expect(OpenAPIDocument.yaml.hasPrefix("openapi: 3."))
        for route in ReportRoute.allCases {
            let lines = entry(route.path)
            #expect(!lines.isEmpty, "\(route.path) is missing")
            #expect(parameters(lines) == Set(route.parameters.map(\.rawValue)), "\(route.path)")
            #expect(lines.contains { $0.contains("Data-As-Of") }, "\(route.path) does not document its Data-As-Of header")
            for grouping in route.groupings {
                #expect(lines.contains { $0.contains("name: groupBy") && $0.contains(grouping.rawValue) }, "\(route.path) groupBy \(grouping)")
            }
        }
        #expect(entry("/reports/demographics").contains { $0.contains("name: source") && $0.contains("app") })
        #expect(OpenAPIDocument.yaml.contains("top_devices") && OpenAPIDocument.yaml.contains("data_as_of"))
        for path in ["/openapi.yaml", "/health/live", "/health/ready", "/metrics"] {
            #expect(!entry(path).isEmpty, "\(path) is missing")
        }
    }
}
