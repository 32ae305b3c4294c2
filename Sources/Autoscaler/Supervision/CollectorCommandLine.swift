/// How the supervisor starts one collector of a group: `executable arguments... --port P`.
public struct CollectorCommandLine: Sendable, Hashable {
    /// The `eventplatform` executable.
    public var executable: String
    /// Its arguments, without the port (e.g. `collector --source facebook --group-members 1`).
    public var arguments: [String]
    public var environment: [String: String]
    /// The port the first instance's `/metrics` takes when it is free; others take a free one.
    public var preferredPort: Int
    /// Group members each instance runs (its `--group-members`).
    public var membersPerInstance: Int

    public init(executable: String, arguments: [String], environment: [String: String], preferredPort: Int, membersPerInstance: Int = 1) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.preferredPort = preferredPort
        self.membersPerInstance = membersPerInstance
    }
}
