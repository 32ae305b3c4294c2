/// The funnel stage of a social event (contract section 1.1); each event type belongs to one.
public enum FunnelStage: String, Sendable, Hashable, CaseIterable, Codable {
    case top
    case bottom
}
