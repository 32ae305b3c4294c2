public import Hummingbird
public import Prometheus

extension Router {
    /// `GET /metrics`: the registry's metrics in Prometheus text format.
    public func addMetricsRoute(_ registry: PrometheusCollectorRegistry) {
        get("/metrics") { _, _ in
            var buffer: [UInt8] = []
            buffer.reserveCapacity(16 * 1024)
            registry.emit(into: &buffer)
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: buffer))
            )
        }
    }
}
