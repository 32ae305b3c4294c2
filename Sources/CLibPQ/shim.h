#ifndef CLIBPQ_SHIM_H
#define CLIBPQ_SHIM_H
// libpq's C API. Only the `Postgres` target imports this module.
#include <libpq-fe.h>
#endif
