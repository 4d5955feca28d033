// The pixel channel: /pixels?meta=1 messages (24-byte header, metadata block, AVCC access unit;
// docs/pixels.md) into WebCodecs' VideoDecoder, configured from notify.stream. It asks for a
// keyframe after a sequence gap or a decoder error and hands each decoded VideoFrame on.

export const kHeaderBytes = 24;
export const kFlagKeyframe = 0x01;
export const kFlagMeta = 0x02;
const kCodecH264 = 1;
const kKeyframeRequestGapMs = 500;  // the host coalesces requests to one IDR per 300 ms anyway

// One message: {seq, timestamp_s, width, height, key, meta (null without ?meta=1), payload}.
// Throws an Error naming what is wrong, as protocol::parse_pixel_message does.
export function parse_pixel_message(buffer) {
    if (buffer.byteLength < kHeaderBytes) {
        throw new Error(`pixel message of ${buffer.byteLength} bytes is shorter than the ${kHeaderBytes}-byte header`);
    }
    const view = new DataView(buffer);
    const flags = view.getUint8(21);
    if (view.getUint8(20) !== kCodecH264) throw new Error(`pixel message codec ${view.getUint8(20)} is not 1 (H.264)`);
    if (view.getUint16(22) !== 0) throw new Error('pixel message reserved header field is not 0');
    if ((flags & ~(kFlagKeyframe | kFlagMeta)) !== 0) throw new Error(`pixel message has unknown flags 0x${flags.toString(16)}`);
    let offset = kHeaderBytes;
    let meta = null;
    if (flags & kFlagMeta) {
        if (buffer.byteLength < offset + 4) throw new Error('pixel message metadata length is cut off');
        const length = view.getUint32(offset);
        offset += 4;
        if (buffer.byteLength < offset + length) throw new Error(`pixel message ${length}-byte metadata is cut off`);
        meta = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, offset, length)));
        offset += length;
    }
    if (offset === buffer.byteLength) throw new Error('pixel message carries no access unit');
    return {
        seq: view.getUint32(0),
        timestamp_s: view.getFloat64(4),
        width: view.getUint32(12),
        height: view.getUint32(16),
        key: (flags & kFlagKeyframe) !== 0,
        meta,
        payload: new Uint8Array(buffer, offset),
    };
}

// True when `seq` does not follow `previous` (u32, wrapping); false for the first message.
export function is_sequence_gap(previous, seq) {
    return previous !== null && ((seq - previous) >>> 0) !== 1;
}

export function base64_bytes(text) {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

const kProfiles = { 66: 'Baseline', 77: 'Main', 88: 'Extended', 100: 'High', 110: 'High 10', 122: 'High 4:2:2', 244: 'High 4:4:4' };

// The avcC record's profile, compatibility and level bytes: 'avc1.64001f', plus names for people.
export function describe_avcc(avcc) {
    if (avcc.length < 7 || avcc[0] !== 1) throw new Error('notify.stream avcc is not an AVCDecoderConfigurationRecord (version 1)');
    const hex = (b) => b.toString(16).padStart(2, '0');
    const [profile, compat, level] = [avcc[1], avcc[2], avcc[3]];
    const constrained = profile === 66 && (compat & 0x40) ? 'Constrained ' : '';
    return {
        codec: `avc1.${hex(profile)}${hex(compat)}${hex(level)}`,
        profile: constrained + (kProfiles[profile] ?? `profile ${profile}`),
        level: (level / 10).toFixed(1),
    };
}

// The VideoDecoder configuration for a notify.stream payload. scenehost converts RGB with
// BT.601 limited range and writes no colour description, so the page says so (Chromium would
// otherwise assume BT.709; tests/browser/webcodecs_probe.mjs measured it).
export function decoder_config(stream) {
    if (stream.codec !== 'h264' || stream.format !== 'avcc' || stream.nal_length_size !== 4) {
        throw new Error(`notify.stream ${stream.codec}/${stream.format}/${stream.nal_length_size} is not h264/avcc/4`);
    }
    const description = base64_bytes(stream.avcc);
    return {
        codec: describe_avcc(description).codec,
        description,
        codedWidth: stream.frame_size[0],
        codedHeight: stream.frame_size[1],
        optimizeForLatency: true,
        colorSpace: { matrix: 'smpte170m', primaries: 'smpte170m', transfer: 'smpte170m', fullRange: false },
    };
}

// Owns the pixel socket and the decoder. Callbacks:
//   on_message(bytes)            every message, for the bitrate
//   on_frame(frame, info)        a decoded VideoFrame (the callee closes it); info = {meta,
//                                seq, key, decode_in_ms, decode_out_ms}
//   request_keyframe()           ask the host for an IDR
//   on_status(text, is_error)    what the page should say
// Invariant: nothing reaches decode() before a keyframe after each configure or gap.
export class PixelStream {
    constructor(url, callbacks) {
        this.url = url;
        this.cb = callbacks;
        this.socket = null;
        this.decoder = null;
        this.config = null;       // the configured VideoDecoderConfig
        this.stream_key = '';     // what it was made from, to skip identical re-sends
        this.need_key = true;
        this.last_seq = null;
        this.last_request_ms = -Infinity;
        this.inputs = new Map();  // chunk timestamp -> {meta, seq, key, decode_in_ms}
        this.backoff_ms = 250;
    }

    start() {
        const socket = new WebSocket(this.url);
        socket.binaryType = 'arraybuffer';
        socket.onopen = () => { this.backoff_ms = 250; this.last_seq = null; this.need_key = true; };
        // A message the page cannot take is a fault of the stream: say so and start it again.
        socket.onmessage = (event) => {
            try {
                this.on_message(event.data);
            } catch (error) {
                console.error('scenehost viewer: pixel message', error);
                this.cb.on_status(`pixel stream fault: ${error.message}; reconnecting`, true);
                socket.close();
            }
        };
        socket.onclose = (event) => {
            this.cb.on_status(`pixels closed (${event.code}${event.reason ? ' ' + event.reason : ''}); reconnecting in ${this.backoff_ms} ms`, false);
            setTimeout(() => this.start(), this.backoff_ms);
            this.backoff_ms = Math.min(this.backoff_ms * 2, 8000);
        };
        this.socket = socket;
    }

    // A notify.stream payload: (re)configure unless it describes the stream already decoded.
    async configure(stream) {
        const key = `${stream.avcc}|${stream.frame_size}`;
        if (key === this.stream_key) return;
        this.stream_key = key;
        const config = decoder_config(stream);
        const { supported } = await VideoDecoder.isConfigSupported(config);
        if (!supported) {
            const { profile, level } = describe_avcc(config.description);
            throw new Error(`this browser cannot decode H.264 ${profile} ${level} (${config.codec}) with WebCodecs`);
        }
        this.config = config;
        this.reset_decoder();
    }

    reset_decoder() {
        if (this.decoder && this.decoder.state !== 'closed') this.decoder.close();
        this.inputs.clear();
        this.decoder = new VideoDecoder({
            output: (frame) => this.on_output(frame),
            error: (error) => this.on_decoder_error(error),
        });
        this.decoder.configure(this.config);
        this.need_key = true;
        this.ask_for_keyframe();
    }

    on_message(buffer) {
        this.cb.on_message(buffer.byteLength);
        const message = parse_pixel_message(buffer);
        if (is_sequence_gap(this.last_seq, message.seq)) {
            this.need_key = true;
            this.cb.on_status(`pixel frames lost after seq ${this.last_seq} (now ${message.seq}); asking for a keyframe`, false);
        }
        this.last_seq = message.seq;
        if (this.decoder === null) return;  // no notify.stream yet: the host sends an IDR after it
        if (this.need_key && !message.key) return this.ask_for_keyframe();
        this.need_key = false;
        const timestamp = message.meta ? message.meta.sequence : message.seq;
        this.inputs.set(timestamp, { meta: message.meta, seq: message.seq, key: message.key, decode_in_ms: performance.now() });
        this.decoder.decode(new EncodedVideoChunk({ type: message.key ? 'key' : 'delta', timestamp, data: message.payload }));
    }

    on_output(frame) {
        const info = this.inputs.get(frame.timestamp);
        this.inputs.delete(frame.timestamp);
        // Inputs older than this one produced no output: the decoder dropped them.
        for (const t of this.inputs.keys()) if (t < frame.timestamp) this.inputs.delete(t);
        this.cb.on_frame(frame, { ...info, decode_out_ms: performance.now() });
    }

    on_decoder_error(error) {
        console.error('scenehost viewer: H.264 decoder error', error);
        this.cb.on_status(`decoder error: ${error.message}; restarting the decoder and asking for a keyframe`, true);
        this.reset_decoder();
    }

    ask_for_keyframe() {
        const now = performance.now();
        if (now - this.last_request_ms < kKeyframeRequestGapMs) return;
        this.last_request_ms = now;
        this.cb.request_keyframe();
    }
}
