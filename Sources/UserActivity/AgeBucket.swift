/// The age ranges of the demographics report (contract section 5), lower bound inclusive.
public enum AgeBucket: String, Sendable, Hashable, CaseIterable {
    case under13 = "under-13"
    case from13To17 = "13-17"
    case from18To24 = "18-24"
    case from25To34 = "25-34"
    case from35To44 = "35-44"
    case from45To54 = "45-54"
    case from55To64 = "55-64"
    case from65 = "65+"

    /// The bucket holding `age` (years).
    public init(age: Int) {
        switch age {
        case ..<13: self = .under13
        case 13...17: self = .from13To17
        case 18...24: self = .from18To24
        case 25...34: self = .from25To34
        case 35...44: self = .from35To44
        case 45...54: self = .from45To54
        case 55...64: self = .from55To64
        default: self = .from65
        }
    }
}
