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

/* Every bit a reducer table may set in `capabilities`. SDK 1.3 defines no reducer capability
 * yet, so this is 0; a host refuses a table that sets a bit it does not know. (1.2) */
#define SCENEHOST_REDUCER_CAPS_KNOWN 0u

/* How the host publishes the changes of a reducer's scope to clients: the topic they go out
 * on and whether a resuming client gets the missed deltas replayed. 0 is never valid. (1.2) */
typedef enum scenehost_publication {
    SCENEHOST_PUBLICATION_INVALID = 0,
    /* scenehost's generic topic notify.state, {scope, target, changes, version}, sent to the
     * clients that ask for it; resumable (missed deltas are replayed). The default. */
    SCENEHOST_PUBLICATION_STATE = 1,
    /* napari's notify.layers: per-target deltas; resumable. */
    SCENEHOST_PUBLICATION_NAPARI_LAYERS = 2,
    /* napari's latest-value hot lane notify.dims: not resumable; a resuming client gets the
     * current value, not the deltas it missed. */
    SCENEHOST_PUBLICATION_NAPARI_DIMS = 3,
    /* napari's latest-value hot lane notify.camera: not resumable, as NAPARI_DIMS. */
    SCENEHOST_PUBLICATION_NAPARI_CAMERA = 4,
    /* Part of the viewer snapshot: every change publishes notify.scene anew. */
    SCENEHOST_PUBLICATION_NAPARI_SCENE = 5
} scenehost_publication;

/* Why a reducer refuses an intent; the host sends the wire code in the comment. 0 is never
 * valid; any other number outside this list is a plugin bug and aborts the host. (1.2) */
typedef enum scenehost_reject_code {
    SCENEHOST_REJECT_INVALID = 0,
    SCENEHOST_REJECT_UNKNOWN_KEY = 1,   /* "state.unknown_key": not a key the scope accepts */
    SCENEHOST_REJECT_INVALID_VALUE = 2, /* "state.invalid_value": wrong type or shape, unknown name or target */
    SCENEHOST_REJECT_OUT_OF_RANGE = 3,  /* "state.out_of_range": right type, outside its bound */
    SCENEHOST_REJECT_FORBIDDEN = 4,     /* "state.forbidden": read-only, or not allowed in the current state */
    SCENEHOST_REJECT_CONFLICT = 5       /* "state.conflict": contradicts the current state */
} scenehost_reject_code;

/* One key a reducer accepts and the shape every value written to it must have.
 * OWNERSHIP: plugin (static data). LIFETIME: as long as the library is loaded. */
typedef struct scenehost_key_decl_v1 {
    uint32_t struct_size;              /* sizeof(scenehost_key_decl_v1) */
    scenehost_string_view key;         /* e.g. "opacity" */
    scenehost_string_view schema_json; /* JSON Schema (draft 7) every written value satisfies */
} scenehost_key_decl_v1;

/* A client's request to change one property.
 * OWNERSHIP: host. LIFETIME: the struct and every view in it live until reduce returns. */
typedef struct scenehost_intent_v1 {
    uint32_t struct_size;             /* sizeof(scenehost_intent_v1) as the host was built */
    scenehost_string_view scope;      /* always the reducer's own scope */
    scenehost_string_view target;     /* e.g. a layer id, an axis, "main" */
    scenehost_string_view key;        /* the property; may be one the reducer does not declare */
    scenehost_string_view value_json; /* the requested value as JSON text; not yet validated */
    scenehost_string_view actor_id;   /* who asks; for logs and policy */
    scenehost_string_view intent_id;  /* client correlation id; for logs */
} scenehost_intent_v1;

/* Read-only view of the whole store during one reduce call.
 * OWNERSHIP: host.
 * LIFETIME: the view, and every value_json and target it hands out, live until the reduce call
 * that passed the view returns; none may be kept after it (copy what must outlive the call).
 * THREADING (both functions): the plugin calls them only during the reduce call that passed
 * the view, on the thread that made that call. */
typedef struct scenehost_store_view_v1 {
    uint32_t struct_size; /* sizeof(scenehost_store_view_v1) as the host was built */
    void *context;        /* opaque; passed back to every function below */
    /* Looks up one record. Returns 1 and sets *value_json and *version when it exists, else
     * returns 0 and leaves both untouched. */
    int (*get)(void *context, scenehost_string_view scope, scenehost_string_view target,
               scenehost_string_view key, scenehost_string_view *value_json, uint64_t *version);
    /* Calls visit once per target that holds at least one record in scope, in sorted order.
     * THREADING: visit runs on the calling thread, before list_targets returns. */
    void (*list_targets)(void *context, scenehost_string_view scope,
                         void (*visit)(void *user, scenehost_string_view target), void *user);
} scenehost_store_view_v1;

/* Where a reducer reports its outcome: either one or more writes, or exactly one reject.
 * The host checks every write against the declared keys and schemas and aborts, naming the
 * plugin, on a mismatch. OWNERSHIP: host. LIFETIME: the call that passes it.
 * THREADING (every function): the plugin calls them only during the seed or reduce call that
 * passed the sink, on the thread that made that call. */
typedef struct scenehost_outcome_sink_v1 {
    uint32_t struct_size; /* sizeof(scenehost_outcome_sink_v1) as the host was built */
    void *context;        /* opaque; passed back to every function below */
    /* Sets (own scope, target, key) to value_json. Applied atomically with the call's other writes. */
    void (*write)(void *context, scenehost_string_view target, scenehost_string_view key,
                  scenehost_string_view value_json);
    /* The SDK 1.0 / 1.1 way to refuse: code is the wire code as text ("state.out_of_range"), and
     * one the host does not list aborts it naming the plugin. Plugins built against 1.2 use
     * reject_code. message and details_json as for reject_code. */
    void (*reject)(void *context, scenehost_string_view code, scenehost_string_view message,
                   scenehost_string_view details_json);
    /* Refuses the intent (1.2; every host that loads a 1.2 plugin provides it). code is a
     * scenehost_reject_code value, passed as uint32_t for ABI stability; any other number aborts
     * the host naming the plugin. message names the key and the bound; details_json is a JSON
     * object (may be empty: "{}" is assumed). */
    void (*reject_code)(void *context, uint32_t code, scenehost_string_view message,
                        scenehost_string_view details_json);
} scenehost_outcome_sink_v1;

/* The reducer's function table. Fields are only appended; the host reads a field only when
 * it lies inside struct_size. Every function pointer up to `reduce` is required.
 * OWNERSHIP: plugin (static data). LIFETIME: as long as the library is loaded. */
typedef struct scenehost_reducer_v1 {
    uint32_t struct_size;               /* sizeof(scenehost_reducer_v1) as the plugin was built */
    uint32_t capabilities;              /* SCENEHOST_REDUCER_CAP_* flags, within SCENEHOST_REDUCER_CAPS_KNOWN */
    const char *scope;                  /* the scope this reducer owns, e.g. "layer" */
    const scenehost_key_decl_v1 *keys;  /* the keys it may write, key_count of them */
    size_t key_count;                   /* at least 1 */
    /* Creates an instance; returns NULL after logging why through host when it cannot.
     * THREADING: the host's main thread, at start-up. */
    void *(*create)(const scenehost_host_v1 *host);
    /* Destroys an instance returned by create.
     * THREADING: the host's main thread, at shutdown (or at start-up when the host refuses the
     * plugin after creating it), after the last seed or reduce has returned. */
    void (*destroy)(void *instance);
    /* Writes the initial values for a scene described by scene_json (layers with their shape,
     * dtype, axis labels and multiscale levels; canvas; see docs/sdk.md) into sink. Called at
     * start-up and again whenever a client replaces the scene (napari.load_zarr): each call
     * describes a whole new scene, and its writes then are everything the scope holds.
     * THREADING: the host's control thread, at start-up before any reduce, and later between
     * reduces: never concurrently with reduce or another seed of the same instance. */
    void (*seed)(void *instance, scenehost_string_view scene_json, const scenehost_outcome_sink_v1 *sink);
    /* Turns one intent into writes or a rejection, reading current values through store.
     * THREADING: the host's control thread (not necessarily the one that called create), one
     * call at a time: never concurrently with seed or with another reduce of the same instance. */
    void (*reduce)(void *instance, const scenehost_intent_v1 *intent,
                   const scenehost_store_view_v1 *store, const scenehost_outcome_sink_v1 *sink);
    /* (1.2) How the host publishes this scope's changes: a scenehost_publication value, stored as
     * uint32_t for ABI stability. A table whose struct_size ends before this field (SDK 1.1)
     * gets SCENEHOST_PUBLICATION_STATE; 0 or an unknown value is refused at load. */
    uint32_t publication;
} scenehost_reducer_v1;

/* The entry function every reducer plugin exports as SCENEHOST_REDUCER_ENTRY_SYMBOL_V1.
 * THREADING: the host's main thread, at start-up, before create. */
typedef const scenehost_reducer_v1 *(*scenehost_reducer_entry_v1_fn)(void);

SCENEHOST_EXTERN_C_END

#endif /* SCENEHOST_SDK_REDUCER_H */
