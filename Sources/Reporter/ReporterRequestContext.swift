import HTTPService
import Hummingbird

/// What the reporter's middleware and routes share about one request.
struct ReporterRequestContext: RequestContext, CorrelationIDRequestContext {
    var coreContext: CoreRequestContextStorage
    var correlationID: String = ""

    init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
    }

    /// Report requests have no body.
    var maxUploadSize: Int { 0 }
}
