import Collector
import ServiceSupport
import Testing

/// The collector's settings that only the environment sets.
@Suite struct CollectorConfigurationTests {
    @Test func timeoutsComeFromTheEnvironmentInMilliseconds() throws {
        var configuration = CollectorConfiguration(source: .facebook)
        try configuration.readTimeouts(from: [
            "COLLECTOR_SESSION_TIMEOUT_MS": "45000",
            "COLLECTOR_IDLE_IN_TRANSACTION_TIMEOUT_MS": "1500",
            "COLLECTOR_LOCK_TIMEOUT_MS": "250",
        ])
        #expect(configuration.sessionTimeout == .seconds(45))
        #expect(configuration.idleInTransactionTimeout == .milliseconds(1500))
        #expect(configuration.lockTimeout == .milliseconds(250))
        #expect(configuration.connectionURL.contains("idle_in_transaction_session_timeout%3D1500"))
        #expect(configuration.connectionURL.contains("lock_timeout%3D250"))
    }

    @Test func consumersWaitForAFullerFetchAndKeepTheGroupSettings() throws {
        var configuration = CollectorConfiguration(source: .facebook)
        configuration.brokers = "broker:9092"
        configuration.sessionTimeout = .seconds(10)
        let kafka = configuration.consumerConfiguration
        #expect(kafka["fetch.min.bytes"] == "65536")
        #expect(kafka["fetch.wait.max.ms"] == "500")
        #expect(kafka["group.id"] == configuration.groupID)
        #expect(kafka["bootstrap.servers"] == "broker:9092")
        #expect(kafka["session.timeout.ms"] == "10000")
        #expect(kafka["enable.auto.commit"] == "false")
    }

    @Test func unsetOrEmptyTimeoutsKeepTheirDefaults() throws {
        var configuration = CollectorConfiguration(source: .tiktok)
        try configuration.readTimeouts(from: ["COLLECTOR_LOCK_TIMEOUT_MS": ""])
        #expect(configuration.sessionTimeout == .seconds(6))
        #expect(configuration.idleInTransactionTimeout == .seconds(30))
        #expect(configuration.lockTimeout == .seconds(30))
    }

    @Test(arguments: [
        ("COLLECTOR_SESSION_TIMEOUT_MS", "soon", "expected a whole number"),
        ("COLLECTOR_SESSION_TIMEOUT_MS", "999", "expected a number from 1000 to 3600000"),
        ("COLLECTOR_IDLE_IN_TRANSACTION_TIMEOUT_MS", "0", "expected a number from 1 to 3600000"),
        ("COLLECTOR_LOCK_TIMEOUT_MS", "-5", "expected a number from 1 to 3600000"),
    ])
    func anInvalidTimeoutIsRefusedNamingItsVariable(variable: String, value: String, rule: String) {
        var configuration = CollectorConfiguration(source: .app)
        #expect(throws: EnvironmentReader.InvalidSetting(variable: variable, value: value, rule: rule)) {
            try configuration.readTimeouts(from: [variable: value])
        }
    }
}
