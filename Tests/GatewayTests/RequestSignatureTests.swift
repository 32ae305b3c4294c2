import EventModel
@testable import Gateway
import Testing

@Suite struct RequestSignatureTests {
    let signature = RequestSignature(secrets: [.facebook: "fb", .tiktok: "tt"])
    let body = Array(#"{"a":1}"#.utf8)

    @Test func knownVector() {
        // echo -n '{"a":1}' | openssl dgst -sha256 -hmac fb
        #expect(RequestSignature.header(signing: body, secret: "fb") == "sha256=f0755453ac8e1188411272e7614f2365783ea4938214402023da11702acfb980")
    }

    @Test func authenticatesTheSourceWhoseSecretSigned() {
        let header = RequestSignature.header(signing: body, secret: "tt")
        #expect(signature.authenticate(body, header: header, sources: [.facebook, .tiktok]) == [.tiktok])
        #expect(signature.authenticate(body, header: header, sources: [.facebook]) == [])
    }

    @Test func refusesMissingMalformedAndWrongSignatures() {
        let valid = RequestSignature.header(signing: body, secret: "fb")
        for header in [nil, "", "sha256=", String(valid.dropLast()), "sha1=" + valid.dropFirst(7), valid + "0", "SHA256=" + valid.dropFirst(7),
                       "sha256=" + String(repeating: "g", count: 64), RequestSignature.header(signing: body + [32], secret: "fb")] {
            #expect(signature.authenticate(body, header: header, sources: [.facebook, .tiktok]) == [], "\(header ?? "nil")")
        }
    }

    @Test func routesWithoutSecretsAreNotProtected() {
        #expect(signature.authenticate(body, header: nil, sources: [.app]) == nil)
        #expect(!signature.requiresSignature(from: .app))
        #expect(signature.requiresSignature(from: .tiktok))
    }
}
