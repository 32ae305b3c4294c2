import EventModel
import EventPublisher
import HTTPService
import HTTPTypes
import Hummingbird
import Logging

/// The hot path of the event routes: read the body, check its signature, parse and validate it,
/// publish each new valid event's original bytes to its source's topic, and answer only once Kafka has
/// acknowledged all of them (contract section 2).
struct EventIngestor: Sendable {
    let configuration: GatewayConfiguration
    let publisher: Publisher
    let signature: RequestSignature
    let metrics: GatewayMetrics
    let bodyBudget: BodyMemoryBudget
    /// Record headers every event carries besides its correlation id.
    private let fixedHeaders = [
        KafkaHeader(name: "content-type", value: "application/json"),
        KafkaHeader(name: "schema-version", value: "1"),
    ]

    init(configuration: GatewayConfiguration, publisher: Publisher, metrics: GatewayMetrics, bodyBudget: BodyMemoryBudget) {
        self.configuration = configuration
        self.publisher = publisher
        self.signature = RequestSignature(secrets: configuration.signingSecrets)
        self.metrics = metrics
        self.bodyBudget = bodyBudget
    }

    func ingest(_ request: Request, context: GatewayRequestContext, route: IngestRoute) async throws(APIError) -> Response {
        let reservation = BodyReservation(budget: bodyBudget)
        defer { reservation.releaseAll() }
        let body = try await readBody(of: request, reservation: reservation)

        let authenticated = signature.authenticate(
            body, header: request.headers[RequestSignature.headerName], sources: route.sources)
        if let authenticated, authenticated.isEmpty {
            context.logger.notice("request signature missing or wrong", metadata: ["route": "\(route.path)"])
            throw APIError(.unauthorized, "missing or invalid X-Hub-Signature-256 (sha256=<hex HMAC-SHA256 of the body>)")
        }

        let parsed: EventRequest
        do {
            parsed = try EventRequest.parse(
                body, shape: route.shape, maximumEvents: configuration.maximumEventsPerRequest, rule: configuration.storability)
        } catch {
            context.logger.notice("request refused", metadata: ["error": "\(error.message)"])
            throw APIError(error.reason == .tooManyEvents || error.reason == .tooManyValues ? .contentTooLarge : .badRequest, error.message)
        }

        let (valid, separated) = separate(parsed, authenticated: authenticated, route: route)
        let unique = DeduplicatedEvents(valid)
        guard !unique.records.isEmpty else {
            context.logger.notice("request without valid events", metadata: ["rejected": "\(separated.count)"])
            let summary = IngestSummary(accepted: 0, duplicates: 0, rejections: separated)
            return Self.response(.badRequest, summary)
        }
        let refused = try await publish(unique.records, of: parsed, context: context)
        let rejections = refused.isEmpty ? separated : Self.merging(refused, into: separated, of: parsed)
        let accepted = unique.records.count - refused.count
        guard accepted > 0 else {
            return Self.response(.badRequest, IngestSummary(accepted: 0, duplicates: 0, rejections: rejections))
        }

        let summary = IngestSummary(accepted: accepted, duplicates: unique.duplicates, rejections: rejections)
        // A clean answer is the hot path (thousands a second for single-event webhooks): its line is debug;
        // requests with rejections stay at info.
        context.logger.log(level: rejections.isEmpty ? .debug : .info, "events accepted", metadata: [
            "accepted": "\(summary.accepted)", "rejected": "\(summary.rejected)", "duplicates": "\(summary.duplicates)",
        ])
        return Self.response(.accepted, summary)
    }

    /// The valid events that may be published, and the rejections in request order: the invalid items,
    /// and events of a source with a secret that did not sign the request (see ``RequestSignature``).
    private func separate(
        _ request: EventRequest,
        authenticated: Set<EventSource>?,
        route: IngestRoute
    ) -> (valid: [EventRecord], rejections: [EventRejection]) {
        var valid: [EventRecord] = []
        valid.reserveCapacity(request.items.count)
        var rejections: [EventRejection] = []
        var invalid = 0
        for (index, item) in request.items.enumerated() {
            switch item {
            case .success(let record):
                if let authenticated, signature.requiresSignature(from: record.source), !authenticated.contains(record.source) {
                    metrics.rejected(1, source: record.source, reason: .signature)
                    rejections.append(EventRejection(index: index, eventId: record.eventId, error: EventValidationError(
                        field: "source",
                        message: "source \(record.source.rawValue) requires a request signed with its own secret"
                    )))
                } else {
                    valid.append(record)
                }
            case .failure(let rejection):
                invalid += 1
                rejections.append(rejection)
            }
        }
        metrics.rejected(invalid, source: route.knownSource, reason: .validation)
        return (valid, rejections)
    }

    /// Publishes the events in one `publishAll`, so the request waits once for all acknowledgements.
    /// Returns the events Kafka refused for what they are (``PublisherError/refusesEvent``): sending them
    /// again would fail forever, so they are invalid items. Any other failure fails the request as a whole
    /// (503): the client resends it, and the events that did reach Kafka are deduplicated downstream.
    private func publish(
        _ events: [EventRecord], of request: EventRequest, context: GatewayRequestContext
    ) async throws(APIError) -> [(event: EventRecord, error: PublisherError)] {
        let headers = [KafkaHeader(name: "correlation-id", value: context.correlationID)] + fixedHeaders
        var counts: [EventSource: Int] = [:]
        let records = events.map { event in
            counts[event.source, default: 0] += 1
            return KafkaProducerRecord(
                topic: configuration.topics[event.source],
                key: Array(event.userId.utf8),
                value: request.bytes(of: event),
                headers: headers
            )
        }
        var refused: [(event: EventRecord, error: PublisherError)] = []
        var failure: PublisherError?
        do {
            for (event, result) in zip(events, try await publisher.publishAll(records)) {
                guard case .failure(let error) = result else { continue }
                if error.refusesEvent { refused.append((event, error)) } else { failure = failure ?? error }
            }
        } catch {
            failure = error
        }
        if let failure {
            for (source, count) in counts { metrics.rejected(count, source: source, reason: .unavailable) }
            context.logger.warning("events not acknowledged by Kafka; answering 503", metadata: [
                "events": "\(records.count)", "error": "\(failure)",
            ])
            throw APIError(
                .serviceUnavailable, "Kafka is unavailable; no event of this request was accepted, retry later",
                headers: [.retryAfter: String(configuration.retryAfter.wholeSecondsRoundedUp)]
            )
        }
        for (event, error) in refused {
            counts[event.source, default: 0] -= 1
            metrics.rejected(1, source: event.source, reason: .refusedByKafka)
            context.logger.notice("Kafka refused an event", metadata: ["event.id": "\(event.eventId)", "error": "\(error)"])
        }
        for (source, count) in counts { metrics.accepted(count, source: source) }
        return refused
    }

    /// `rejections` with those of the events Kafka refused, in request order.
    private static func merging(
        _ refused: [(event: EventRecord, error: PublisherError)], into rejections: [EventRejection], of request: EventRequest
    ) -> [EventRejection] {
        var merged = rejections
        for (index, item) in request.items.enumerated() {
            guard case .success(let event) = item,
                  let error = refused.first(where: { $0.event.byteRange == event.byteRange })?.error else { continue }
            merged.append(EventRejection(index: index, eventId: event.eventId, error: EventValidationError(
                field: "", message: "Kafka refused the event: \(error.kafkaError?.message ?? error.message)")))
        }
        return merged.sorted { $0.index < $1.index }
    }

    /// The body, up to the size limit (413, before any of it is read when its length is announced) and
    /// within the memory budget of all bodies (503). The request timeout is enforced on the connection by
    /// ``RequestBodyDeadlineHandler``, which answers the 408 and closes it; the read then fails with
    /// ``RequestBodyDeadlineHandler/DeadlinePassed``, thrown on as the 408 for metrics and logs.
    private func readBody(of request: Request, reservation: BodyReservation) async throws(APIError) -> [UInt8] {
        let limit = configuration.maximumBodyBytes
        let tooLarge = APIError(.contentTooLarge, "the request body is larger than \(limit) bytes")
        let overloaded = APIError(
            .serviceUnavailable, "the gateway holds as many request bodies as its memory allows; retry later",
            headers: [.retryAfter: String(configuration.retryAfter.wholeSecondsRoundedUp)])
        let declared = request.headers[.contentLength].flatMap { Int($0) }
        if let declared {
            guard declared <= limit else { throw tooLarge }
            guard reservation.take(BodyMemoryBudget.cost(ofBodyBytes: declared)) else { throw overloaded }
        }
        do {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(min(declared ?? 64 * 1024, limit))
            for try await chunk in request.body {
                guard bytes.count + chunk.readableBytes <= limit else { throw tooLarge }
                if declared == nil, !reservation.take(BodyMemoryBudget.cost(ofBodyBytes: chunk.readableBytes)) {
                    throw overloaded
                }
                bytes.append(contentsOf: chunk.readableBytesView)
            }
            return bytes
        } catch let error as APIError {
            throw error
        } catch let deadline as RequestBodyDeadlineHandler.DeadlinePassed {
            throw APIError(.requestTimeout, deadline.message)
        } catch {
            throw APIError(.badRequest, "the request body could not be read")
        }
    }

    private static func response(_ status: HTTPResponse.Status, _ summary: IngestSummary) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: summary.json))
        )
    }
}
