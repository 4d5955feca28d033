// Node checks of the viewer's pure modules (web/*.js without a browser): pixel framing, avcC,
// sequence gaps, the store mirror and its acks, update coalescing, latency bookkeeping.
//   node tests/web/viewer_modules_test.mjs
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse_pixel_message, is_sequence_gap, describe_avcc, decoder_config, base64_bytes } from '../../web/pixels.js';
import { Store, applied_address } from '../../web/store.js';
import { UpdateQueue, merge_relative } from '../../web/updates.js';
import { LatencyTracker, percentile } from '../../web/latency.js';
import { hello_frame } from '../../web/control.js';
import { fit_rect } from '../../web/ui/video.js';
import { slider_axes } from '../../web/ui/dims.js';

// What protocol::pack_pixel_message writes.
function pack({ seq = 7, key = true, meta = null, payload = [0, 0, 0, 1, 0x65] } = {}) {
    const meta_bytes = meta ? new TextEncoder().encode(JSON.stringify(meta)) : new Uint8Array();
    const extra = meta ? 4 + meta_bytes.length : 0;
    const buffer = new ArrayBuffer(24 + extra + payload.length);
    const v = new DataView(buffer);
    v.setUint32(0, seq);
    v.setFloat64(4, 1796150071.5);
    v.setUint32(12, 1280);
    v.setUint32(16, 720);
    v.setUint8(20, 1);
    v.setUint8(21, (key ? 1 : 0) | (meta ? 2 : 0));
    if (meta) {
        v.setUint32(24, meta_bytes.length);
        new Uint8Array(buffer, 28).set(meta_bytes);
    }
    new Uint8Array(buffer, 24 + extra).set(payload);
    return buffer;
}

const kMeta = { sequence: 1234, captured_us: 1796150071676336, versions: { camera: 812, layer: 35 },
                stages: { applied_us: 1796150071671020, rendered_us: 1796150071676336, encoded_us: 1796150071681904, sent_us: 1796150071682210 } };

test('pixel messages: header, metadata, payload', () => {
    const m = parse_pixel_message(pack({ meta: kMeta }));
    assert.equal(m.seq, 7);
    assert.equal(m.timestamp_s, 1796150071.5);
    assert.deepEqual([m.width, m.height, m.key], [1280, 720, true]);
    assert.deepEqual(m.meta, kMeta);
    assert.deepEqual([...m.payload], [0, 0, 0, 1, 0x65]);
    const plain = parse_pixel_message(pack({ key: false }));
    assert.equal(plain.meta, null);
    assert.equal(plain.key, false);
});

test('pixel messages: what is wrong is named', () => {
    assert.throws(() => parse_pixel_message(new ArrayBuffer(10)), /shorter than the 24-byte header/);
    assert.throws(() => parse_pixel_message(pack({ payload: [] })), /no access unit/);
    const cut = pack({ meta: kMeta }).slice(0, 40);
    assert.throws(() => parse_pixel_message(cut), /metadata is cut off/);
    const flags = pack();
    new DataView(flags).setUint8(21, 0x80);
    assert.throws(() => parse_pixel_message(flags), /unknown flags 0x80/);
});

test('sequence gaps wrap at 2^32', () => {
    assert.equal(is_sequence_gap(null, 5), false);
    assert.equal(is_sequence_gap(4, 5), false);
    assert.equal(is_sequence_gap(4, 6), true);
    assert.equal(is_sequence_gap(0xffffffff, 0), false);
    assert.equal(is_sequence_gap(5, 5), true);
});

test('avcC: codec string and names; the decoder config', () => {
    const avcc = 'AWQAIP/hABdnZAAgrLQCgC3QgAAAAwCAAAA8R4wZUAEABGjvPLA=';  // the demo host's
    assert.deepEqual(describe_avcc(base64_bytes(avcc)), { codec: 'avc1.640020', profile: 'High', level: '3.2' });
    assert.equal(describe_avcc(Uint8Array.of(1, 0x42, 0xe0, 0x1f, 0xff, 0xe1, 0)).codec, 'avc1.42e01f');
    assert.equal(describe_avcc(Uint8Array.of(1, 0x42, 0xe0, 0x1f, 0xff, 0xe1, 0)).profile, 'Constrained Baseline');
    const config = decoder_config({ codec: 'h264', format: 'avcc', nal_length_size: 4, avcc, frame_size: [1280, 720] });
    assert.equal(config.codec, 'avc1.640020');
    assert.equal(config.optimizeForLatency, true);
    assert.deepEqual([config.codedWidth, config.codedHeight], [1280, 720]);
    assert.equal(config.description.length, base64_bytes(avcc).length);
    assert.throws(() => decoder_config({ codec: 'h265', format: 'avcc', nal_length_size: 4, avcc }), /not h264\/avcc\/4/);
});

test('hello: v1, the five features, resume tokens', () => {
    const f = hello_frame('hello-1', { 'notify.scene': 't1' }, { name: 'w', version: '1', platform: 'browser' });
    assert.equal(f.type, 'session.hello');
    assert.equal(f.version, 1);
    assert.equal(f.session, undefined);
    assert.deepEqual(f.payload.protocols, [1]);
    assert.deepEqual(Object.keys(f.payload.features).sort(),
                     ['notify.camera', 'notify.dims', 'notify.layers', 'notify.scene', 'notify.stream']);
    assert.deepEqual(f.payload.resume_tokens, { 'notify.scene': 't1' });
});

const kScene = {
    viewer: { settings: { background: [0, 0, 0, 1], canvas_size: [1280, 720], fps_target: 60 },
              dims: { ndim: 3, ndisplay: 2, nsteps: [64, 256, 256], current_step: [31, 0, 0], order: [0, 1, 2], displayed: [1, 2], axis_labels: ['z', 'y', 'x'] },
              camera: { ndisplay: 2, angles: [0, 0, 0], center: [0, 127.5, 127.5], perspective: 0, zoom: 2.67 } },
    layers: [{ layer_id: 'layer-0', layer_type: 'image', name: 'vol', ndim: 3, shape: [64, 256, 256], dtype: 'uint8', axis_labels: ['z', 'y', 'x'],
               controls: { blending: 'translucent', colormap: 'magma', contrast_limits: [0, 255], opacity: 1, visible: true, gamma: 1 },
               volume: { attenuation: 0.05, iso_threshold: 127.5, mode: 'mip', sample_step: 1 },
               multiscale: { levels: [], level: 0 } }],
    metadata: { status: 'ready' },
};

test('store: the snapshot, layer deltas, dims, camera', () => {
    const s = new Store();
    s.apply_scene(kScene);
    assert.equal(s.get('view', 'main', 'ndisplay'), 2);
    assert.deepEqual(s.get('dims', 'main', 'current_step'), [31, 0, 0]);
    assert.equal(s.get('camera', 'main', 'zoom'), 2.67);
    assert.equal(s.get('layer', 'layer-0', 'colormap'), 'magma');
    assert.equal(s.get('volume', 'layer-0', 'mode'), 'mip');
    assert.deepEqual(s.layer_ids, ['layer-0']);
    assert.deepEqual(s.apply_layers({ layer_id: 'layer-0', changes: { 'volume.mode': 'iso' }, version: 9 }), ['volume/layer-0/mode']);
    assert.equal(s.versions.get('volume/layer-0/mode'), 9);
    s.apply_layers({ layer_id: 'layer-0', changes: { opacity: 0.5, gamma: 2 }, version: 11 });
    assert.equal(s.versions.has('layer/layer-0/opacity'), false);  // several keys: version is the last's
    assert.deepEqual(s.apply_dims({ current_step: [3, 0, 0], ndisplay: 3, displayed: [0, 1, 2] }).sort(),
                     ['dims/main/current_step', 'dims/main/displayed', 'view/main/ndisplay']);
    assert.deepEqual(s.apply_camera({ state: { zoom: 4, center: [0, 127.5, 127.5] } }), ['camera/main/zoom']);
    // A new snapshot reports only what differs from the mirror.
    assert.deepEqual(s.apply_scene(kScene).sort(), ['dims/main/current_step', 'dims/main/displayed', 'camera/main/zoom',
                     'layer/layer-0/gamma', 'layer/layer-0/opacity', 'view/main/ndisplay', 'volume/layer-0/mode'].sort());
});

test('store: optimistic values reconcile with acks; rejections and conflicts', () => {
    const s = new Store();
    s.apply_scene(kScene);
    s.set_pending('layer', 'layer-0', 'opacity', 0.3);
    s.mark_sent('layer', 'layer-0', 'opacity', 'i-1');
    s.set_pending('layer', 'layer-0', 'opacity', 0.4);  // dragged further before the ack
    s.mark_sent('layer', 'layer-0', 'opacity', 'i-2');
    assert.equal(s.shown('layer', 'layer-0', 'opacity'), 0.4);
    s.apply_ack({ scope: 'layer', target: 'layer-0', key: 'opacity', value: 0.3, intent_id: 'i-1' },
                { status: 'accepted', applied_value: 0.3, version: 40 });
    assert.equal(s.shown('layer', 'layer-0', 'opacity'), 0.4);  // still the newer pending value
    s.apply_ack({ scope: 'layer', target: 'layer-0', key: 'opacity', value: 0.4, intent_id: 'i-2' },
                { status: 'accepted', applied_value: 0.4, version: 41 });
    assert.equal(s.pending.size, 0);
    assert.equal(s.get('layer', 'layer-0', 'opacity'), 0.4);
    assert.equal(s.versions.get('layer/layer-0/opacity'), 41);

    s.set_pending('layer', 'layer-0', 'gamma', 3);
    s.mark_sent('layer', 'layer-0', 'gamma', 'i-3');
    s.apply_ack({ scope: 'layer', target: 'layer-0', key: 'gamma', value: 3, intent_id: 'i-3' },
                { status: 'rejected', error: { code: 'state.out_of_range', message: 'layer.gamma must be in (0, 2], not 3' } });
    assert.equal(s.shown('layer', 'layer-0', 'gamma'), 1);  // snapped back
    assert.equal(s.errors.get('layer/layer-0/gamma'), 'layer.gamma must be in (0, 2], not 3');

    s.set_pending('layer', 'layer-0', 'visible', false);
    s.mark_sent('layer', 'layer-0', 'visible', 'i-4');
    const changed = s.apply_ack({ scope: 'layer', target: 'layer-0', key: 'visible', value: false, intent_id: 'i-4' },
                                { status: 'rejected', error: { code: 'state.conflict', message: '…', details: { current_value: 'other', current_version: 50 } } });
    assert.equal(changed, 'layer/layer-0/visible');
    assert.equal(s.shown('layer', 'layer-0', 'visible'), 'other');
    assert.match(s.errors.get('layer/layer-0/visible'), /another client changed it first, to "other"/);
    assert.equal(s.versions.get('layer/layer-0/visible'), 50);

    // Per-axis dims and relative camera writes answer with the property they changed.
    s.apply_ack({ scope: 'dims', target: '0', key: 'index', value: 5, intent_id: 'i-5' },
                { status: 'accepted', applied_value: [5, 0, 0], version: 6 });
    assert.deepEqual(s.get('dims', 'main', 'current_step'), [5, 0, 0]);
    assert.deepEqual(applied_address('camera', 'main', 'orbit', {}), ['camera', 'main', 'angles']);
    assert.deepEqual(applied_address('camera', 'main', 'zoom', { factor: 2 }), ['camera', 'main', 'zoom']);
    assert.deepEqual(applied_address('camera', 'main', 'pan', {}), ['camera', 'main', 'center']);
});

test('updates: one per address per frame, the newest value; relative camera ops fold', () => {
    const sent = [];
    let run = null, clock = 100;
    const q = new UpdateQueue((...u) => sent.push(u), (f) => { run = f; }, () => clock);
    q.put('layer', 'a', 'opacity', 0.1);
    clock = 105;
    q.put('layer', 'a', 'opacity', 0.2);
    q.put('layer', 'b', 'opacity', 0.9);
    q.put('camera', 'main', 'pan', { dx_px: 1, dy_px: 2 }, { relative: true });
    q.put('camera', 'main', 'pan', { dx_px: 3, dy_px: -1 }, { relative: true });
    q.put('camera', 'main', 'zoom', { factor: 2, anchor_px: [0, 0] }, { relative: true });
    q.put('camera', 'main', 'zoom', { factor: 1.5, anchor_px: [9, 9] }, { relative: true });
    assert.equal(sent.length, 0);
    run();
    assert.deepEqual(sent.map((u) => [u[1], u[2], u[3]]), [
        ['a', 'opacity', 0.2], ['b', 'opacity', 0.9],
        ['main', 'pan', { dx_px: 4, dy_px: 1 }], ['main', 'zoom', { factor: 3, anchor_px: [9, 9] }]]);
    // Each update carries the time of the first input it folds in: latency starts at the input.
    assert.deepEqual(sent.map((u) => u[5]), [100, 105, 105, 105]);
    assert.deepEqual(merge_relative('orbit', { d_az_deg: 1, d_el_deg: 2 }, { d_az_deg: 3, d_el_deg: 4 }), { d_az_deg: 4, d_el_deg: 6 });
});

const stages = (applied) => ({ applied_us: applied, rendered_us: applied + 20000, encoded_us: applied + 30000, sent_us: applied + 30500 });

test('latency: send, ack, then the first frame that shows the version', () => {
    const t = new LatencyTracker();
    t.drawn({ versions: { layer: 10 }, stages: stages(0) }, 0, 1, 1);
    t.sent('i-1', 'layer', 100);
    t.acked('i-1', 11);
    t.drawn({ versions: { layer: 10 }, stages: stages(0) }, 110, 1, 1);  // not yet
    assert.equal(t.samples.length, 0);
    t.drawn({ versions: { layer: 12 }, stages: stages(1000) }, 150, 2, 3);
    assert.equal(t.samples.length, 1);
    const s = t.samples[0];
    assert.deepEqual([s.scope, s.version, s.total_ms, s.decode_ms, s.display_ms], ['layer', 11, 50, 2, 3]);
    assert.deepEqual(s.host, { render_ms: 20, encode_ms: 10, handoff_ms: 0.5 });
    assert.equal(s.other_ms, 50 - 20 - 10 - 0.5 - 2 - 3);
});

test('latency: a frame drawn before the ack still closes the loop; no-ops and rejections do not count', () => {
    const t = new LatencyTracker();
    t.sent('i-1', 'camera', 100);
    t.drawn({ versions: { camera: 5 }, stages: stages(0) }, 130, 1, 1);
    t.acked('i-1', 5);
    assert.equal(t.samples.length, 1);
    assert.equal(t.samples[0].total_ms, 30);
    t.sent('i-2', 'camera', 200);   // a write that changed nothing: its version is already shown
    t.acked('i-2', 5);
    t.sent('i-3', 'camera', 210);
    t.acked('i-3', null);
    assert.equal(t.probes.size, 0);
    assert.equal(t.samples.length, 1);
    assert.equal(percentile([5, 1, 3, 2, 4], 50), 3);
    assert.equal(percentile([5, 1, 3, 2, 4], 99), 5);
});

test('letterbox and dims sliders', () => {
    assert.deepEqual(fit_rect(1280, 720, 1000, 1000), { x: 0, y: 218.75, w: 1000, h: 562.5 });
    assert.deepEqual(fit_rect(1280, 720, 1280, 360), { x: 320, y: 0, w: 640, h: 360 });
    assert.deepEqual(slider_axes({ ndim: 4, displayed: [2, 3] }), [0, 1]);
    assert.deepEqual(slider_axes({ ndim: 3, displayed: [0, 1, 2] }), []);
});

// PixelStream with stand-ins for WebCodecs: what reaches decode(), and when it asks for an IDR.
test('pixel stream: keyframe first, a gap drops to the next IDR and asks for one, a decoder error restarts', async () => {
    const decoders = [];
    globalThis.EncodedVideoChunk = class { constructor(init) { Object.assign(this, init); } };
    globalThis.VideoDecoder = class {
        static async isConfigSupported() { return { supported: true }; }
        constructor(init) { this.init = init; this.chunks = []; this.state = 'unconfigured'; decoders.push(this); }
        configure() { this.state = 'configured'; }
        decode(chunk) { this.chunks.push(chunk); }
        close() { this.state = 'closed'; }
    };
    const asks = [];
    const statuses = [];
    let now = 0;
    const real_now = performance.now;
    performance.now = () => now;
    const { PixelStream } = await import('../../web/pixels.js');
    const stream = new PixelStream('ws://unused', {
        on_message() {}, on_frame() {}, request_keyframe: () => asks.push(now), on_status: (t) => statuses.push(t),
    });
    const meta = (sequence) => ({ ...kMeta, sequence });
    stream.on_message(pack({ seq: 1, key: true, meta: meta(1) }));  // before notify.stream: nothing
    await stream.configure({ codec: 'h264', format: 'avcc', nal_length_size: 4, frame_size: [1280, 720],
                             avcc: 'AWQAIP/hABdnZAAgrLQCgC3QgAAAAwCAAAA8R4wZUAEABGjvPLA=' });
    assert.equal(asks.length, 1);  // configured: the next unit must be an IDR
    now = 1000;
    stream.on_message(pack({ seq: 2, key: false, meta: meta(2) }));  // not an IDR: dropped, asked again
    assert.equal(asks.length, 2);
    stream.on_message(pack({ seq: 3, key: true, meta: meta(3) }));
    stream.on_message(pack({ seq: 4, key: false, meta: meta(4) }));
    assert.deepEqual(decoders[0].chunks.map((c) => [c.timestamp, c.type]), [[3, 'key'], [4, 'delta']]);
    now = 2000;
    stream.on_message(pack({ seq: 7, key: false, meta: meta(7) }));  // 5 and 6 lost
    stream.on_message(pack({ seq: 8, key: false, meta: meta(8) }));
    assert.equal(asks.length, 3);  // one request per 500 ms
    assert.match(statuses.at(-1), /lost after seq 4 \(now 7\)/);
    stream.on_message(pack({ seq: 9, key: true, meta: meta(9) }));
    assert.deepEqual(decoders[0].chunks.map((c) => c.timestamp), [3, 4, 9]);
    // Identical notify.stream re-sends (after keyframe requests) keep the decoder.
    await stream.configure({ codec: 'h264', format: 'avcc', nal_length_size: 4, frame_size: [1280, 720],
                             avcc: 'AWQAIP/hABdnZAAgrLQCgC3QgAAAAwCAAAA8R4wZUAEABGjvPLA=' });
    assert.equal(decoders.length, 1);
    now = 3000;
    const console_error = console.error;
    console.error = () => {};
    decoders[0].init.error(new Error('broken'));
    console.error = console_error;
    assert.equal(decoders[0].state, 'closed');
    assert.equal(decoders.length, 2);
    assert.equal(asks.length, 4);
    stream.on_message(pack({ seq: 10, key: false, meta: meta(10) }));
    assert.equal(decoders[1].chunks.length, 0);  // the new decoder waits for an IDR
    performance.now = real_now;
});
