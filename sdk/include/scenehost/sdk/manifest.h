/* The manifest: the one C struct every plugin exports, read before any plugin code runs. */
#ifndef SCENEHOST_SDK_MANIFEST_H
#define SCENEHOST_SDK_MANIFEST_H

#include <stdint.h>

#include "scenehost/sdk/export.h"

SCENEHOST_EXTERN_C_BEGIN

/* Name of the exported data symbol of type `const struct scenehost_plugin_manifest`. */
#define SCENEHOST_PLUGIN_MANIFEST_SYMBOL "scenehost_plugin_manifest"
/* Value of `magic`: the bytes "SCNH" read as a little-endian uint32. */
#define SCENEHOST_PLUGIN_MAGIC 0x484E4353u
/* Values of `kind`. */
#define SCENEHOST_PLUGIN_KIND_REDUCER "reducer"
#define SCENEHOST_PLUGIN_KIND_ENCODER "encoder"

/* Identifies a plugin and the SDK it was built against. The first four fields are fixed
 * forever so that any host can read any plugin's version; later fields are only appended
 * and a host reads them only when they lie inside `struct_size`.
 * OWNERSHIP: plugin (static data). LIFETIME: as long as the library is loaded. */
struct scenehost_plugin_manifest {
    uint32_t magic;         /* SCENEHOST_PLUGIN_MAGIC */
    uint32_t struct_size;   /* sizeof the manifest the plugin was built with */
    uint16_t sdk_major;     /* SCENEHOST_SDK_VERSION_MAJOR at build time */
    uint16_t sdk_minor;     /* SCENEHOST_SDK_VERSION_MINOR at build time */
    const char *kind;       /* SCENEHOST_PLUGIN_KIND_REDUCER or _ENCODER */
    const char *name;       /* unique per kind, e.g. "layers", "x264" */
    const char *version;    /* the plugin's own version, e.g. "1.2.0" */
    uint32_t boost_version; /* BOOST_VERSION the plugin saw, or 0; for logs only */
    const char *compiler;   /* compiler identification; for logs only */
};

SCENEHOST_EXTERN_C_END

#endif /* SCENEHOST_SDK_MANIFEST_H */
