import Crypto
public import EventModel
public import EventPublisher
public import Logging

/// `eventplatform import`: a CSV file of generic product events, validated with the gateway's rules and
/// published through the publisher library, once per file content (see ``ImportLedger``).
///
/// Rows go out in chunks: each chunk becomes one `{"events":[...]}` document, so the gateway's parser
/// and validator judge every row, and one `publishAll` waits for the chunk's acknowledgements before
/// the next is read. Memory therefore holds the file and one chunk.
public struct CSVImporter: Sendable {
    /// Rows published per acknowledgement wait.
    public var chunkSize = 5_000
    /// Refused rows kept in the summary with their reason (all are counted).
    public var maximumReportedRejections = 100
    /// What the platform can store: rows that break it are refused, as the gateway refuses such events.
    public var storability = StorabilityRule()

    private let publisher: Publisher
    private let ledger: ImportLedger
    private let topic: String
    private let logger: Logger

    /// An importer publishing to `topic` (the app source's topic) and recording files in `ledger`.
    public init(publisher: Publisher, ledger: ImportLedger, topic: String, logger: Logger) {
        self.publisher = publisher
        self.ledger = ledger
        self.topic = topic
        self.logger = logger
    }

    /// Imports `content`, the bytes of the file called `fileName`, reporting progress after each chunk.
    ///
    /// - Returns: what was published and refused, or the earlier import of the same content (then
    ///   nothing is published).
    /// - Throws: ``CSVImportError``; the file is then not recorded, and importing it again is safe.
    public func importFile(
        _ content: [UInt8],
        named fileName: String,
        progress: (ImportProgress) -> Void = { _ in }
    ) async throws -> ImportOutcome {
        let sha256 = SHA256.hash(data: content).map { String($0, radix: 16).leftPadded(to: 2) }.joined()
        if let earlier = try await ledger.entry(sha256: sha256) {
            return .alreadyImported(earlier)
        }
        var logger = logger
        let correlationID = "import-\(sha256.prefix(16))"
        logger[metadataKey: "correlation_id"] = "\(correlationID)"
        logger.info("import started", metadata: ["file": "\(fileName)", "bytes": "\(content.count)"])

        var reader = CSVReader(content)
        guard let header = try Self.nextRow(&reader) else { throw CSVImportError.badHeader("the file is empty") }
        let mapping = try ProductEventCSV(header: header)
        let headers = [
            KafkaHeader(name: "correlation-id", value: correlationID),
            KafkaHeader(name: "content-type", value: "application/json"),
            KafkaHeader(name: "schema-version", value: "1"),
        ]
        var summary = ImportSummary(fileName: fileName, sha256: sha256)
        var seenIDs = Set<String>()
        while true {
            var lines: [Int] = []
            var writer = JSONWriter(capacity: chunkSize * 256)
            writer.appendRaw(#"{"events":["#)
            while lines.count < chunkSize, let row = try Self.nextRow(&reader) {
                let mark = writer.bytes.count
                if !lines.isEmpty { writer.appendRaw(",") }
                if let reason = mapping.appendEvent(row, to: &writer) {
                    writer.truncate(to: mark)
                    summary.reject(line: row.line, eventId: nil, reason: reason, keeping: maximumReportedRejections)
                    continue
                }
                lines.append(row.line)
            }
            writer.appendRaw("]}")
            guard !lines.isEmpty else { break }

            let request: EventRequest
            do {
                request = try EventRequest.parse(writer.bytes, shape: .productEvents, maximumEvents: lines.count, rule: storability)
            } catch {
                // The mapping only writes valid JSON, so this is a bug, not bad input.
                throw CSVImportError.internalError("rows \(lines[0])...\(lines[lines.count - 1]) did not form valid JSON: \(error.message)")
            }
            var records: [KafkaProducerRecord] = []
            for (index, item) in request.items.enumerated() {
                switch item {
                case .success(let event):
                    guard seenIDs.insert(event.eventId).inserted else {
                        summary.duplicates += 1
                        continue
                    }
                    records.append(KafkaProducerRecord(
                        topic: topic, key: Array(event.userId.utf8), value: Array(request.bytes(of: event)), headers: headers))
                case .failure(let rejection):
                    summary.reject(line: lines[index], eventId: rejection.eventId,
                                   reason: rejection.error.description, keeping: maximumReportedRejections)
                }
            }
            let results = try await publisher.publishAll(records)
            if let failure = results.lazy.compactMap({ result -> PublisherError? in
                guard case .failure(let error) = result else { return nil }
                return error
            }).first {
                logger.error("import stopped: Kafka did not acknowledge events", metadata: ["error": "\(failure)"])
                throw CSVImportError.publishFailed(published: summary.published, reason: "\(failure)")
            }
            summary.published += records.count
            progress(ImportProgress(bytesRead: reader.bytesRead, totalBytes: content.count, summary: summary))
        }
        summary.rejections.sort { $0.line < $1.line }
        try await ledger.record(ImportedFile(
            sha256: sha256, fileName: fileName, events: summary.published, rejected: summary.rejected))
        logger.info("import finished", metadata: [
            "published": "\(summary.published)", "rejected": "\(summary.rejected)", "duplicates": "\(summary.duplicates)",
        ])
        return .imported(summary)
    }

    private static func nextRow(_ reader: inout CSVReader) throws(CSVImportError) -> CSVRow? {
        do {
            return try reader.next()
        } catch {
            throw .malformedCSV(error)
        }
    }
}

/// What an import did.
public enum ImportOutcome: Sendable, Hashable {
    /// The file was published now.
    case imported(ImportSummary)
    /// The same content was imported before; nothing was published.
    case alreadyImported(ImportedFile)
}

/// Counts of one import, and the first refused rows with their line and reason.
public struct ImportSummary: Sendable, Hashable {
    public var fileName: String
    public var sha256: String
    /// Events acknowledged by Kafka.
    public var published = 0
    /// Rows that are not valid events (wrong field count, failed validation).
    public var rejected = 0
    /// Rows whose event id an earlier row of the file already had; published once.
    public var duplicates = 0
    /// The first refused rows.
    public var rejections: [RowRejection] = []

    public init(fileName: String, sha256: String) {
        self.fileName = fileName
        self.sha256 = sha256
    }

    mutating func reject(line: Int, eventId: String?, reason: String, keeping limit: Int) {
        rejected += 1
        if rejections.count < limit { rejections.append(RowRejection(line: line, eventId: eventId, reason: reason)) }
    }
}

/// A refused row: its line in the file, its event id when readable, and why.
public struct RowRejection: Sendable, Hashable {
    public var line: Int
    public var eventId: String?
    public var reason: String
}

/// How far an import is, after each chunk.
public struct ImportProgress: Sendable {
    public var bytesRead: Int
    public var totalBytes: Int
    public var summary: ImportSummary

    /// 0...1, by bytes of the file read.
    public var fraction: Double { totalBytes == 0 ? 1 : Double(bytesRead) / Double(totalBytes) }
}

/// Why an import stopped. Nothing is recorded in the ledger then, so running it again is safe.
public enum CSVImportError: Error, Sendable, CustomStringConvertible {
    case badHeader(String)
    case malformedCSV(CSVSyntaxError)
    case publishFailed(published: Int, reason: String)
    case internalError(String)

    public var description: String {
        switch self {
        case .badHeader(let message): "bad CSV header: \(message)"
        case .malformedCSV(let error): "malformed CSV at \(error)"
        case .publishFailed(let published, let reason):
            "Kafka did not acknowledge the events (\(reason)); \(published) were published before; run the import again (events are stored once)"
        case .internalError(let message): "internal error: \(message)"
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
