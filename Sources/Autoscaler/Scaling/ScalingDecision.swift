/// The instance count a group should run now, and why.
public struct ScalingDecision: Sendable, Hashable {
    public enum Reason: Sendable, Hashable {
        /// The lag (and drain target) call for `replicas`; unchanged, or scaled out at once.
        case lag
        /// Lag at or below the activation threshold: the minimum runs.
        case belowActivation
        /// The lag calls for fewer instances, but a higher recommendation within the stabilisation window
        /// keeps `replicas` running.
        case stabilizing(recommended: Int)
        /// The lag read failed or was partial: the count holds (never scales in on what it cannot see).
        case holdingOnFailedRead(String)
        /// A scale-out happened less than the settle time ago; its effect on the rate is not known yet.
        case awaitingRate(recommended: Int)
        /// The last scale-out did not raise the consumption rate enough: more instances would not help.
        case saturated(recommended: Int, rateBefore: Double, rateAfter: Double)
    }

    public var replicas: Int
    public var reason: Reason

    /// Whether the group is held at its size because more instances did not raise its consumption rate.
    public var isSaturated: Bool {
        if case .saturated = reason { return true }
        return false
    }

    /// Whether the decision holds because the lag could not be read.
    public var isHoldingOnFailedRead: Bool {
        if case .holdingOnFailedRead = reason { return true }
        return false
    }
}
