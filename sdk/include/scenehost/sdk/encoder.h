/* Encoder plugin contract v1: an encoder turns rendered frames into a compressed video stream
 * for the pixel channel. It declares its codec and the pixel formats it takes, says whether it
 * can run on this machine (probe) and why not, and hands one access unit per frame to a host
 * sink. It reports failures as text through the host's sinks and never throws across this line. */
#ifndef SCENEHOST_SDK_ENCODER_H
#define SCENEHOST_SDK_ENCODER_H

#include <stddef.h>
#include <stdint.h>

#include "scenehost/sdk/export.h"
#include "scenehost/sdk/types.h"

SCENEHOST_EXTERN_C_BEGIN

/* Name of the exported entry function, of type scenehost_encoder_entry_v1_fn. */
#define SCENEHOST_ENCODER_ENTRY_SYMBOL_V1 "scenehost_encoder_entry_v1"

/* Every bit an encoder table may set in `capabilities`. SDK 1.3 defines no encoder capability
 * yet, so this is 0; a host refuses a table that sets a bit it does not know. (1.2) */
#define SCENEHOST_ENCODER_CAPS_KNOWN 0u

/* The bitstream an encoder produces. 0 is never valid. */
typedef enum scenehost_codec {
    SCENEHOST_CODEC_INVALID = 0,
    /* H.264 Annex B byte stream (start codes), SPS and PPS in front of every IDR. */
    SCENEHOST_CODEC_H264 = 1
} scenehost_codec;

/* Layout of a frame's pixels. 0 is never valid. Widths and heights of YUV frames are even. */
typedef enum scenehost_pixel_format {
    SCENEHOST_PIXEL_FORMAT_INVALID = 0,
    SCENEHOST_PIXEL_FORMAT_I420 = 1, /* planes Y, U, V; U and V at half width and height; BT.601 limited range */
    SCENEHOST_PIXEL_FORMAT_NV12 = 2  /* planes Y, UV interleaved at half height; BT.601 limited range */
} scenehost_pixel_format;

/* Receives one piece of text from the plugin: why it cannot run, why a call failed.
 * OWNERSHIP: host. LIFETIME: the call that passes it.
 * THREADING: the plugin calls put only during the call that passed the sink, on its thread. */
typedef struct scenehost_text_sink_v1 {
    uint32_t struct_size; /* sizeof(scenehost_text_sink_v1) as the host was built */
    void *context;        /* opaque; passed back to put */
    /* Sets the text; a later put replaces an earlier one. text lives only during put. */
    void (*put)(void *context, scenehost_string_view text);
} scenehost_text_sink_v1;

/* What the host asks of a stream. The host validates every field before passing it.
 * OWNERSHIP: host. LIFETIME: the call that passes it. */
typedef struct scenehost_encoder_config_v1 {
    uint32_t struct_size;                /* sizeof(scenehost_encoder_config_v1) as the host was built */
    uint32_t width;                      /* pixels, even, 16..8192 */
    uint32_t height;                     /* pixels, even, 16..8192 */
    uint32_t fps;                        /* nominal frame rate, 1..240 */
    uint32_t bitrate_kbps;               /* target bit rate, 100..1000000 */
    uint32_t keyframe_interval;          /* frames between IDRs, 1..100000 (IDRs on request besides) */
    scenehost_pixel_format input_format; /* one of the encoder's input_formats */
    /* Backend settings as a JSON object, e.g. {"preset":"veryfast"}; "{}" for the defaults. The
     * plugin checks it and refuses (create/reconfigure return failure) what it does not know. */
    scenehost_string_view options_json;
} scenehost_encoder_config_v1;

/* One frame to encode, in config.input_format at config.width x config.height.
 * OWNERSHIP: host. LIFETIME: the encode call that passes it. */
typedef struct scenehost_video_frame_v1 {
    uint32_t struct_size;          /* sizeof(scenehost_video_frame_v1) as the host was built */
    scenehost_pixel_format format; /* as configured */
    uint32_t width;
    uint32_t height;
    const uint8_t *planes[4];      /* unused planes are NULL */
    uint32_t strides[4];           /* bytes per row of each plane */
    int64_t pts_us;                /* capture time, microseconds; increasing */
    uint64_t sequence;             /* the host's frame number; increasing */
} scenehost_video_frame_v1;

/* One encoded frame. OWNERSHIP: plugin. LIFETIME: the packet call that passes it. */
typedef struct scenehost_access_unit_v1 {
    uint32_t struct_size;  /* sizeof(scenehost_access_unit_v1) as the plugin was built */
    const uint8_t *data;   /* the codec's byte stream for exactly one frame */
    size_t size;           /* bytes, at least 1 */
    int keyframe;          /* 1 when it is an IDR (decodable alone), else 0 */
    int64_t pts_us;        /* the frame's pts_us */
    uint64_t sequence;     /* the frame's sequence */
} scenehost_access_unit_v1;

/* Where encode hands its access unit. OWNERSHIP: host. LIFETIME: the call that passes it.
 * THREADING: the plugin calls packet only during the encode call that passed the sink, on its
 * thread (never from an encoding thread of its own). */
typedef struct scenehost_packet_sink_v1 {
    uint32_t struct_size; /* sizeof(scenehost_packet_sink_v1) as the host was built */
    void *context;        /* opaque; passed back to packet */
    void (*packet)(void *context, const scenehost_access_unit_v1 *unit);
} scenehost_packet_sink_v1;

/* The encoder's function table. Fields are only appended; the host reads a field only when it
 * lies inside struct_size. Every field up to `encode` is required.
 * OWNERSHIP: plugin (static data). LIFETIME: as long as the library is loaded.
 * THREADING: the calls on one instance (create, reconfigure, encode, destroy) never overlap:
 * each returns before the next starts. They may come from different threads over the
 * instance's life, so an instance keeps no thread-local state. */
typedef struct scenehost_encoder_v1 {
    uint32_t struct_size;                       /* sizeof(scenehost_encoder_v1) as the plugin was built */
    uint32_t capabilities;                      /* SCENEHOST_ENCODER_CAP_* flags, within SCENEHOST_ENCODER_CAPS_KNOWN */
    scenehost_codec codec;                      /* what it produces */
    const scenehost_pixel_format *input_formats; /* what it takes, preferred first */
    size_t input_format_count;                  /* at least 1 */
    /* Says whether the encoder can run on this machine by really encoding a tiny stream.
     * Returns 1 when it can; else returns 0 after putting a plain reason into why (what is
     * missing and what would provide it). May be called any number of times.
     * THREADING: the host's main thread, at start-up (and in `scenehost encoders`), before the
     * host creates any instance for streaming. */
    int (*probe)(const scenehost_host_v1 *host, const scenehost_text_sink_v1 *why);
    /* Creates an instance for config; returns NULL after putting why when it cannot.
     * THREADING: the encoder thread for the stream's instance; the host's main thread for the
     * trial instance with which it checks the settings at start-up. */
    void *(*create)(const scenehost_host_v1 *host, const scenehost_encoder_config_v1 *config,
                    const scenehost_text_sink_v1 *why);
    /* Destroys an instance returned by create.
     * THREADING: the thread that created it, or the host's main thread at shutdown after the
     * encoder thread has stopped; never while another call on the instance runs. */
    void (*destroy)(void *instance);
    /* Applies a new config (size, fps, bit rate, interval, options); the next frame is an IDR.
     * Returns 1, or 0 after putting why; on failure the instance is destroyed by the host.
     * THREADING: the encoder thread, one call at a time per instance. */
    int (*reconfigure)(void *instance, const scenehost_encoder_config_v1 *config,
                       const scenehost_text_sink_v1 *why);
    /* Encodes one frame and calls sink->packet exactly once, before returning, with its access
     * unit (no frame is held back: the pixel channel is low latency). force_keyframe = 1 makes
     * that unit an IDR. Returns 1, or 0 after putting why (the device was lost, ...).
     * THREADING: the encoder thread, one call at a time per instance. */
    int (*encode)(void *instance, const scenehost_video_frame_v1 *frame, int force_keyframe,
                  const scenehost_packet_sink_v1 *sink, const scenehost_text_sink_v1 *why);
} scenehost_encoder_v1;

/* The entry function every encoder plugin exports as SCENEHOST_ENCODER_ENTRY_SYMBOL_V1.
 * THREADING: the host's main thread, at start-up, before any other function of the table. */
typedef const scenehost_encoder_v1 *(*scenehost_encoder_entry_v1_fn)(void);

SCENEHOST_EXTERN_C_END

#endif /* SCENEHOST_SDK_ENCODER_H */
