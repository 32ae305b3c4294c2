/// The follower-count ranges of the TikTok demographics report (contract section 5), lower bound inclusive.
public enum FollowerBucket: String, Sendable, Hashable, CaseIterable {
    case below1k = "0-999"
    case from1kTo10k = "1k-10k"
    case from10kTo100k = "10k-100k"
    case from100kTo1M = "100k-1M"
    case from1M = "1M+"

    /// The bucket holding a follower count.
    public init(followers: Int) {
        switch followers {
        case ..<1_000: self = .below1k
        case 1_000..<10_000: self = .from1kTo10k
        case 10_000..<100_000: self = .from10kTo100k
        case 100_000..<1_000_000: self = .from100kTo1M
        default: self = .from1M
        }
    }
}
