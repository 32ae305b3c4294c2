import ServiceSupport
import Testing

/// Setting a niceness for real is checked on a collector process (`CollectorProcessTests`): it needs a
/// session of its own, which a test runner is not.
@Suite struct ProcessNicenessTests {
    @Test(arguments: [Int32(-1), 20, .min, .max])
    func aNicenessOutsideZeroToNineteenIsRefused(_ niceness: Int32) {
        #expect(throws: ProcessNicenessError.outOfRange(niceness)) { try ProcessNiceness.set(niceness) }
    }
}
