#ifndef CRDKAFKA_SHIM_H
#define CRDKAFKA_SHIM_H
// librdkafka's C API. Only the `Kafka` target imports this module.
#include <librdkafka/rdkafka.h>

// rd_kafka_producev is variadic, which Swift cannot call: one fixed-arity wrapper for every produce.
// The payload and key are copied (RD_KAFKA_MSG_F_COPY) because Swift buffers do not outlive the call.
// On success librdkafka owns `headers`; on failure the caller still does.
static inline rd_kafka_resp_err_t crdkafka_produce(rd_kafka_t *rk, rd_kafka_topic_t *rkt, int32_t partition,
                                                   const void *value, size_t value_len,
                                                   const void *key, size_t key_len,
                                                   rd_kafka_headers_t *headers, void *opaque) {
    return rd_kafka_producev(rk,
                             RD_KAFKA_V_RKT(rkt),
                             RD_KAFKA_V_PARTITION(partition),
                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                             RD_KAFKA_V_VALUE((void *)value, value_len),
                             RD_KAFKA_V_KEY(key, key_len),
                             RD_KAFKA_V_HEADERS(headers),
                             RD_KAFKA_V_OPAQUE(opaque),
                             RD_KAFKA_V_END);
}
#endif
