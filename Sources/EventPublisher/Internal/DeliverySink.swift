import Synchronization

/// Where the delivery outcomes of accepted events go: the set a ``Publisher/publishAll(_:)`` caller
/// awaits, or an ``Publisher/enqueue(_:onDelivery:)`` callback. Events hold a reference to their sink and
/// their index in its set, so an event costs no closure of its own, and the outcomes of a set that arrive
/// together (librdkafka reports deliveries in batches) are handed over in one call.
protocol DeliverySink: AnyObject, Sendable {
    /// Outcomes of some of the sink's events, each with the event's index in the set; every event's
    /// outcome comes exactly once.
    func deliver(_ outcomes: [(index: Int, result: Result<DeliveryReceipt, PublisherError>)])
}

/// One event whose outcome goes to a callback.
final class DeliveryCallback: DeliverySink {
    private let onDelivery: @Sendable (Result<DeliveryReceipt, PublisherError>) -> Void

    init(_ onDelivery: @escaping @Sendable (Result<DeliveryReceipt, PublisherError>) -> Void) {
        self.onDelivery = onDelivery
    }

    func deliver(_ outcomes: [(index: Int, result: Result<DeliveryReceipt, PublisherError>)]) {
        for outcome in outcomes { onDelivery(outcome.result) }
    }
}

/// Collects the delivery results of a set of events and hands them over once all are in.
final class DeliveryGroup: DeliverySink {
    private struct State {
        var remaining: Int
        var results: [Result<DeliveryReceipt, PublisherError>?]
        var waiter: CheckedContinuation<[Result<DeliveryReceipt, PublisherError>], Never>?
    }

    private let state: Mutex<State>

    init(count: Int) {
        state = Mutex(State(remaining: count, results: Array(repeating: nil, count: count)))
    }

    func deliver(_ outcomes: [(index: Int, result: Result<DeliveryReceipt, PublisherError>)]) {
        let finished = state.withLock { state -> (CheckedContinuation<[Result<DeliveryReceipt, PublisherError>], Never>, [Result<DeliveryReceipt, PublisherError>])? in
            for outcome in outcomes { state.results[outcome.index] = outcome.result }
            state.remaining -= outcomes.count
            guard state.remaining == 0, let waiter = state.waiter else { return nil }
            return (waiter, state.results.map { $0! })
        }
        if let (waiter, results) = finished { waiter.resume(returning: results) }
    }

    /// Waits until every event has its result (each arrives within the delivery timeout).
    func results() async -> [Result<DeliveryReceipt, PublisherError>] {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> [Result<DeliveryReceipt, PublisherError>]? in
                if state.remaining == 0 { return state.results.map { $0! } }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
