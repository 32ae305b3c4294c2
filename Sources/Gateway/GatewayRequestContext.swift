import HTTPService
import Hummingbird
import NIOCore

/// What the gateway's middleware and routes share about one request.
struct GatewayRequestContext: RequestContext, CorrelationIDRequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    var correlationID: String = ""
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// Bodies are read by the event routes themselves, up to the configured limit; nothing is decoded
    /// with Codable.
    var maxUploadSize: Int { 0 }
}
