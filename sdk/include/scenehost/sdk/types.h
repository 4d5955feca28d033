/* Plain-C value types that cross the plugin boundary. No std::, Boost or Qt type ever does. */
#ifndef SCENEHOST_SDK_TYPES_H
#define SCENEHOST_SDK_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include "scenehost/sdk/export.h"

SCENEHOST_EXTERN_C_BEGIN

/* A UTF-8 byte range, not NUL-terminated.
 * OWNERSHIP: never owned by the receiver.
 * LIFETIME: valid only during the call that passes it, unless stated otherwise. */
typedef struct scenehost_string_view {
    const char *data; /* first byte; may be NULL when size is 0 */
    size_t size;      /* number of bytes */
} scenehost_string_view;

/* Severity of a message a plugin logs through the host. 0 is never valid. */
typedef enum scenehost_log_level {
    SCENEHOST_LOG_LEVEL_INVALID = 0,
    SCENEHOST_LOG_LEVEL_DEBUG = 1,
    SCENEHOST_LOG_LEVEL_INFO = 2,
    SCENEHOST_LOG_LEVEL_WARN = 3,
    SCENEHOST_LOG_LEVEL_ERROR = 4
} scenehost_log_level;

/* Services the host offers every plugin instance.
 * OWNERSHIP: host. LIFETIME: outlives every instance created with it. */
typedef struct scenehost_host_v1 {
    uint32_t struct_size; /* sizeof(scenehost_host_v1) as the host was built */
    void *context;        /* opaque; passed back to every function below */
    /* Writes one line to the host log, tagged with the plugin's name.
     * THREADING: the plugin may call it from any thread the host has called the plugin on,
     * including from two such threads at once; the host serializes the lines. */
    void (*log)(void *context, scenehost_log_level level, scenehost_string_view message);
} scenehost_host_v1;

SCENEHOST_EXTERN_C_END

#endif /* SCENEHOST_SDK_TYPES_H */
