/* Reducer plugin contract v1: a reducer owns one scope of the scene store, declares the keys
 * it accepts, seeds their initial values and turns each client intent into writes or a
 * rejection. It reports only through the host's sinks and never throws across this line. */
#ifndef SCENEHOST_SDK_REDUCER_H
#define SCENEHOST_SDK_REDUCER_H

#include <stddef.h>
#include <stdint.h>

#include "scenehost/sdk/export.h"
#include "scenehost/sdk/types.h"

SCENEHOST_EXTERN_C_BEGIN

/* Name of the exported entry function, of type scenehost_reducer_entry_v1_fn. */
#define SCENEHOST_REDUCER_ENTRY_SYMBOL_V1 "scenehost_reducer_entry_v1"

/* One key a reducer accepts and the shape every value written to it must have.
 * OWNERSHIP: plugin (static data). LIFETIME: as long as the library is loaded. */
typedef struct scenehost_key_decl_v1 {
    uint32_t struct_size;              /* sizeof(scenehost_key_decl_v1) */
    scenehost_string_view key;         /* e.g. "opacity" */
    scenehost_string_view schema_json; /* JSON Schema (draft 7) every written value satisfies */
} scenehost_key_decl_v1;

/* A client's request to change one property. All views live until reduce returns. */
typedef struct scenehost_intent_v1 {
    uint32_t struct_size;             /* sizeof(scenehost_intent_v1) as the host was built */
    scenehost_string_view scope;      /* always the reducer's own scope */
    scenehost_string_view target;     /* e.g. a layer id, an axis, "main" */
    scenehost_string_view key;        /* the property; may be one the reducer does not declare */
    scenehost_string_view value_json; /* the requested value as JSON text; not yet validated */
    scenehost_string_view actor_id;   /* who asks; for logs and policy */
    scenehost_string_view intent_id;  /* client correlation id; for logs */
} scenehost_intent_v1;

/* Read-only view of the whole store during one call.
 * OWNERSHIP: host. LIFETIME: the call that passes it. */
typedef struct scenehost_store_view_v1 {
    uint32_t struct_size; /* sizeof(scenehost_store_view_v1) as the host was built */
    void *context;        /* opaque; passed back to every function below */
    /* Looks up one record. Returns 1 and sets *value_json (valid until the call returns) and
     * *version when it exists, else returns 0 and leaves both untouched. */
    int (*get)(void *context, scenehost_string_view scope, scenehost_string_view target,
               scenehost_string_view key, scenehost_string_view *value_json, uint64_t *version);
    /* Calls visit once per target that holds at least one record in scope, in sorted order. */
    void (*list_targets)(void *context, scenehost_string_view scope,
                         void (*visit)(void *user, scenehost_string_view target), void *user);
} scenehost_store_view_v1;

/* Where a reducer reports its outcome: either one or more writes, or exactly one reject.
 * The host checks every write against the declared keys and schemas and aborts, naming the
 * plugin, on a mismatch. OWNERSHIP: host. LIFETIME: the call that passes it. */
typedef struct scenehost_outcome_sink_v1 {
    uint32_t struct_size; /* sizeof(scenehost_outcome_sink_v1) as the host was built */
    void *context;        /* opaque; passed back to every function below */
    /* Sets (own scope, target, key) to value_json. Applied atomically with the call's other writes. */
    void (*write)(void *context, scenehost_string_view target, scenehost_string_view key,
                  scenehost_string_view value_json);
    /* Refuses the intent. code is a wire code such as "state.out_of_range"; message names the
     * key and the bound; details_json is a JSON object (may be empty: "{}" is assumed). */
    void (*reject)(void *context, scenehost_string_view code, scenehost_string_view message,
                   scenehost_string_view details_json);
} scenehost_outcome_sink_v1;

/* The reducer's function table. Fields are only appended; the host reads a field only when
 * it lies inside struct_size. Every function pointer up to `reduce` is required.
 * OWNERSHIP: plugin (static data). LIFETIME: as long as the library is loaded. */
typedef struct scenehost_reducer_v1 {
    uint32_t struct_size;               /* sizeof(scenehost_reducer_v1) as the plugin was built */
    uint32_t capabilities;              /* reserved for SCENEHOST_REDUCER_CAP_* flags; 0 in 1.0 */
    const char *scope;                  /* the scope this reducer owns, e.g. "layer" */
    const scenehost_key_decl_v1 *keys;  /* the keys it may write, key_count of them */
    size_t key_count;                   /* at least 1 */
    /* Creates an instance; returns NULL after logging why through host when it cannot. */
    void *(*create)(const scenehost_host_v1 *host);
    /* Destroys an instance returned by create. */
    void (*destroy)(void *instance);
    /* Writes the initial values for a scene described by scene_json (layers with their shape,
     * dtype, axis labels and multiscale levels; canvas; see docs/sdk.md) into sink. */
    void (*seed)(void *instance, scenehost_string_view scene_json, const scenehost_outcome_sink_v1 *sink);
    /* Turns one intent into writes or a rejection, reading current values through store. */
    void (*reduce)(void *instance, const scenehost_intent_v1 *intent,
                   const scenehost_store_view_v1 *store, const scenehost_outcome_sink_v1 *sink);
} scenehost_reducer_v1;

/* The entry function every reducer plugin exports as SCENEHOST_REDUCER_ENTRY_SYMBOL_V1. */
typedef const scenehost_reducer_v1 *(*scenehost_reducer_entry_v1_fn)(void);

SCENEHOST_EXTERN_C_END

#endif /* SCENEHOST_SDK_REDUCER_H */
