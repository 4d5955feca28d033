// Intent-to-pixel latency: from the input event behind an update (the first one a coalesced
// update folds in; a command's send) to the first frame drawn whose metadata versions[scope]
// reaches the version its ack reported. Page times are
// performance.now() ms; the host's split comes from the frame's stage stamps (host clock).

const kShownFrames = 64;      // drawn frames kept for acks that arrive after their frame
const kProbeTimeoutMs = 10000;
const kMaxSamples = 5000;

export function percentile(values, p) {
    if (values.length === 0) return NaN;
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

// Invariant: a probe becomes a sample at most once, and only with a frame drawn after its send
// that shows a version this page had not yet seen drawn when it sent.
export class LatencyTracker {
    constructor() {
        this.samples = [];             // {scope, version, total_ms, host: {...}, decode_ms, display_ms, other_ms}
        this.probes = new Map();       // id -> {scope, sent_ms, shown_before, version}
        this.shown = [];               // the last drawn frames: {versions, drawn_ms, stages, decode_ms, display_ms}
        this.last_versions = {};       // versions of the last frame drawn
        this.missed = 0;               // acked changes never drawn within kProbeTimeoutMs
    }

    // `id` is the update's intent_id (or a command's frame_id).
    sent(id, scope, now_ms) {
        this.probes.set(id, { scope, sent_ms: now_ms, shown_before: this.last_versions[scope] ?? -1, version: null });
    }

    // The ack (or reply) for `id`: accepted with `version`, or not (version null).
    acked(id, version) {
        const probe = this.probes.get(id);
        if (probe === undefined) return;
        // Rejected, or a write that changed nothing (its version was already on screen).
        if (version === null || version <= probe.shown_before) return void this.probes.delete(id);
        probe.version = version;
        const frame = this.shown.find((f) => f.drawn_ms >= probe.sent_ms && (f.versions[probe.scope] ?? -1) >= version);
        if (frame) this.close(id, probe, frame);
    }

    // A frame was drawn at `drawn_ms`; `meta` is its pixel metadata.
    drawn(meta, drawn_ms, decode_ms, display_ms) {
        const frame = { versions: meta.versions, drawn_ms, stages: meta.stages, decode_ms, display_ms };
        this.last_versions = meta.versions;
        this.shown.push(frame);
        if (this.shown.length > kShownFrames) this.shown.shift();
        for (const [id, probe] of this.probes) {
            if (probe.version !== null && (frame.versions[probe.scope] ?? -1) >= probe.version) {
                this.close(id, probe, frame);
            } else if (drawn_ms - probe.sent_ms > kProbeTimeoutMs) {
                if (probe.version !== null) this.missed += 1;
                this.probes.delete(id);
            }
        }
    }

    close(id, probe, frame) {
        this.probes.delete(id);
        const s = frame.stages;
        const host = {
            render_ms: (s.rendered_us - s.applied_us) / 1000,   // queueing for and drawing the frame
            encode_ms: (s.encoded_us - s.rendered_us) / 1000,   // colour conversion and H.264
            handoff_ms: (s.sent_us - s.encoded_us) / 1000,      // to the io thread
        };
        const total_ms = frame.drawn_ms - probe.sent_ms;
        const known = host.render_ms + host.encode_ms + host.handoff_ms + frame.decode_ms + frame.display_ms;
        this.samples.push({
            scope: probe.scope, version: probe.version, total_ms, host,
            decode_ms: frame.decode_ms, display_ms: frame.display_ms,
            other_ms: total_ms - known,  // network both ways, the engine, queues: the rest
        });
        if (this.samples.length > kMaxSamples) this.samples.shift();
    }
}
