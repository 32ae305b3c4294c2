import Crypto
import EventModel
import Foundation
import HTTPTypes

/// The optional HMAC-SHA256 signing of requests (platform contract, section 2):
/// `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`.
///
/// Which secrets protect which route: a route carries events of known sources only (`/webhook/...`
/// Facebook and TikTok, `/events` app), but which of them is known only after parsing, and the body is
/// authenticated before it is parsed. So:
/// - a route is protected when a secret is configured for any source it carries; a request to it must
///   be signed with one of those secrets, or it answers 401;
/// - the request is then authenticated as the source(s) whose secret matched, and an event of a source
///   that has a secret of its own is accepted only from a request authenticated as that source (a
///   Facebook-signed request cannot slip in TikTok events when TikTok has a secret); such events are
///   rejected one by one, like invalid ones. Events of sources without a secret pass.
struct RequestSignature: Sendable {
    /// `X-Hub-Signature-256`, as the webhook senders name it.
    static let headerName = HTTPField.Name("x-hub-signature-256")!
    private static let prefix = Array("sha256=".utf8)

    /// The secrets' bytes (`SymmetricKey` is not `Sendable`, so keys are made per check; that is cheap).
    private let keys: [EventSource: [UInt8]]

    init(secrets: [EventSource: String]) {
        keys = secrets.mapValues { Array($0.utf8) }
    }

    /// Whether events of `source` must come from a request signed with that source's secret.
    func requiresSignature(from source: EventSource) -> Bool { keys[source] != nil }

    /// The sources among `sources` whose secret signed `body`. Nil means the route is not protected
    /// (no secret for any of `sources`); an empty set means the signature is missing or wrong.
    func authenticate(_ body: [UInt8], header: String?, sources: [EventSource]) -> Set<EventSource>? {
        let candidates = sources.filter { keys[$0] != nil }
        guard !candidates.isEmpty else { return nil }
        guard let header, let signature = Self.digest(header) else { return [] }
        var authenticated: Set<EventSource> = []
        for source in candidates
        where HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: body, using: SymmetricKey(data: keys[source]!)) {
            // isValidAuthenticationCode compares in constant time.
            authenticated.insert(source)
        }
        return authenticated
    }

    /// The 32 bytes of `sha256=<64 hex digits>`, or nil when the header is not of that form.
    private static func digest(_ header: String) -> [UInt8]? {
        let text = Array(header.utf8)
        guard text.count == prefix.count + 64, text.starts(with: prefix) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        var index = prefix.count
        while index < text.count {
            guard let high = hexValue(text[index]), let low = hexValue(text[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The header value for `body` signed with `secret`: what a sender computes.
    static func header(signing body: [UInt8], secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8)))
        let hex = mac.map { byte in (byte < 16 ? "0" : "") + String(byte, radix: 16) }
        return "sha256=" + hex.joined()
    }
}
