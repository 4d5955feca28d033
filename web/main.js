// scenehost's browser viewer: wires the control session (control.js), the store mirror
// (store.js), the pixel stream (pixels.js) and the panels (ui/). docs/viewer.md describes it.
//
// Test hooks (read-only; docs/viewer.md "Test hooks"):
//   window.scenehostViewer = {
//     connection:   'connecting' | 'open' | 'resumed' | 'baseline' | 'closed',
//     resumed:      the last connection resumed by token (no fresh notify.scene),
//     lastBaseline: 'fresh' | 'resumed' | null (before the first baseline),
//     framesDecoded, lastVersions (versions of the last frame drawn),
//     errors:       [{source, message, at}] every error shown on the page,
//     store:        {scope: {target: {key: value}}} as the host last said (a copy),
//     latency:      [{scope, version, total_ms, host: {render_ms, encode_ms, handoff_ms},
//                     decode_ms, display_ms, other_ms}],
//     changedBy:    {"scope/target/key": 'self' | 'other'} the last writer of each property,
//     changedByActor: {"scope/target/key": actor id} the actor the host named for the last change,
//   }
// Elements: every control has data-scope, data-target, data-key (contrast handles also
// data-handle lo|hi) and an error line `${id}-error`. Ids: layer-<layer>-<key> (visible, name,
// opacity, colormap, contrast_limits(-lo|-hi), gamma, blending), volume-<layer>-<key> (mode,
// iso_threshold, attenuation), layer-<layer> (the card, click to select), dims-slider-<axis>,
// dims-play-<axis>, dims-label-<axis>, ndisplay-toggle, camera-reset, hud-toggle, hud,
// hud-plot, connection (data-state), view (the canvas), video-message, status (data-error
// when it shows a fault), activity.
import { ControlSession } from './control.js';
import { Store, address } from './store.js';
import { UpdateQueue } from './updates.js';
import { PixelStream, describe_avcc, base64_bytes } from './pixels.js';
import { LatencyTracker } from './latency.js';
import { LayersPanel } from './ui/layers.js';
import { DimsPanel } from './ui/dims.js';
import { Toolbar } from './ui/toolbar.js';
import { VideoCanvas } from './ui/video.js';
import { attach_camera_input } from './ui/camera_input.js';
import { attach_shortcuts } from './ui/keys.js';
import { Hud, RateMeter } from './ui/hud.js';
import { StatusLine, Activity } from './ui/status.js';

const kStorageKey = 'scenehost.viewer.resume';
const kMaxErrors = 200;
const $ = (id) => document.getElementById(id);
const ws_base = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}`;

const store = new Store();
const latency = new LatencyTracker();
const queue = new UpdateQueue(send_update);
const errors = [];
const decoded_meter = new RateMeter();
const bytes_meter = new RateMeter();
let frames_decoded = 0;
let last_versions = {};
let stream_payload = null;   // the newest notify.stream payload
let stream_info = null;      // what the HUD shows of it
let connection_text = '';
let scene_seen = false;      // this connection's first notify.scene is its baseline
let first_frame = true;

const status = new StatusLine($('status'));
const activity = new Activity($('activity'));
const hud = new Hud($('hud'));

function report(source, message) {
    errors.push({ source, message, at: Date.now() });
    if (errors.length > kMaxErrors) errors.shift();
    status.show(message, true);
}

// A command whose reply failed: its error.command is an error; a closed connection is news.
const report_command = (name) => (e) => (e.code ? report(name, e.message) : status.show(e.message));

// ---- the page's changes -------------------------------------------------------------------

// Every control calls this: the control moves now (pending), the update leaves on the next frame.
function set_control(scope, target, key, value, options = {}) {
    if (!options.relative) store.set_pending(scope, target, key, value);
    queue.put(scope, target, key, value, options);
    render_soon();
}

function send_update(scope, target, key, value, options, input_ms) {
    const a = address(scope, target, key);
    if (!control.is_open) {
        store.pending.delete(a);
        status.show(`not connected: ${a} was not sent`);
        return render_soon();
    }
    // A one-off edit names the version it saw, so a concurrent edit is a state.conflict, not
    // lost; never while an own update of it is unanswered (that would conflict with itself).
    const waiting = [...control.sent.values()].some((s) => address(s.scope, s.target, s.key) === a);
    const base_version = options.discrete && !waiting ? store.versions.get(a) : undefined;
    const intent_id = control.update(scope, target, key, value, base_version);
    if (!options.relative) store.mark_sent(scope, target, key, intent_id);
    latency.sent(intent_id, scope, input_ms);  // intent-to-pixel starts at the input event
}

function reset_view() {
    if (!control.is_open) return status.show('not connected: camera.reset was not sent');
    const { frame_id, reply } = control.command('camera.reset');
    latency.sent(frame_id, 'camera', performance.now());
    reply.then((result) => latency.acked(frame_id, result.version), report_command('camera.reset'));
}

function request_keyframe() {
    if (control.is_open) control.command('napari.pixel.request_keyframe').reply.catch(report_command('keyframe request'));
}

// ---- what the host says -------------------------------------------------------------------

function on_frame(frame) {
    const p = frame.payload;
    const by = frame.intent_id !== undefined ? 'self' : 'other';
    let changed = [];
    let baseline = false;
    switch (frame.type) {
        case 'notify.scene':
            baseline = !scene_seen;
            scene_seen = true;
            changed = store.apply_scene(p);
            break;
        case 'notify.layers': changed = store.apply_layers(p); break;
        case 'notify.dims':
            baseline = p.source === 'baseline';
            changed = store.apply_dims(p);
            break;
        case 'notify.camera':
            baseline = p.origin === 'baseline';
            changed = store.apply_camera(p);
            break;
        case 'notify.stream': set_stream(p); break;
        case 'notify.error':
            if (p.severity !== 'info') console.error('scenehost viewer: host reported', p);
            report(`${p.domain}`, `host ${p.severity}: ${p.code}: ${p.message}`);
            break;
        default: break;  // notify.telemetry and notify.state are not asked for
    }
    // Every v1 notify of a change names its actor (scenehost's extension); baselines do not.
    if (!baseline) for (const a of changed) activity.note(a, store.at(a), by, p.actor_id);
    if (frame.delta_token !== undefined) persist();
    render_soon();
}

function on_ack(sent, ack) {
    const accepted = ack.status === 'accepted';
    latency.acked(sent.intent_id, accepted ? ack.version : null);
    const changed = store.apply_ack(sent, ack);
    if (changed) activity.note(changed, store.at(changed), accepted ? 'self' : 'other');
    if (!accepted) {
        const a = address(sent.scope, sent.target, sent.key);
        report(a, `${a} = ${JSON.stringify(sent.value)} refused: ${ack.error.code}: ${ack.error.message}`);
    }
    render_soon();
}

function set_stream(payload) {
    stream_payload = payload;
    stream_info = { ...describe_avcc(base64_bytes(payload.avcc)), encoder: payload.encoder ?? 'an unnamed encoder',
                    fps: payload.fps, frame_size: payload.frame_size };
    if (pixels) pixels.configure(payload).catch((e) => video_message(e.message, true));
}

// What a reload needs to resume: the tokens and the mirror they are the cursor of.
function persist() {
    sessionStorage.setItem(kStorageKey, JSON.stringify({ tokens: control.tokens, store: store.snapshot(), stream: stream_payload }));
}

const control = new ControlSession(`${ws_base}/control`, { name: 'scenehost-web', version: '1', platform: 'browser' }, {
    on_frame,
    on_ack,
    on_connection: (state, text) => {
        if (state === 'open') scene_seen = false;
        connection_text = text;
        toolbar.set_connection(state);
        status.show(text, false);
        render_soon();
    },
    on_closed: () => {
        queue.clear();
        store.drop_pending();
        render_soon();
    },
    on_status: (text, is_error) => (is_error ? report('control', text) : status.show(text)),
});

// ---- pixels -------------------------------------------------------------------------------

function video_message(text, is_error = false) {
    $('video-message').textContent = text;
    $('video-message').hidden = text === '';
    if (is_error) report('video', text);
}

const video = new VideoCanvas($('view'), (info, drawn_ms) => {
    if (first_frame && pixels) video_message('');
    first_frame = false;
    if (!info.meta) return;
    last_versions = info.meta.versions;
    latency.drawn(info.meta, drawn_ms, info.decode_out_ms - info.decode_in_ms, drawn_ms - info.decode_out_ms);
});

let pixels = null;
if (typeof VideoDecoder === 'undefined') {
    video_message('No picture: this browser has no WebCodecs VideoDecoder. Use a recent Chrome, Edge or Safari ' +
                  '(or Firefox 130+) over https or on localhost; the controls still work.', true);
} else {
    video_message('waiting for the first frame…');
    pixels = new PixelStream(`${ws_base}/pixels?meta=1`, {
        on_message: (bytes) => bytes_meter.add(bytes, performance.now()),
        on_frame: (frame, info) => {
            frames_decoded += 1;
            decoded_meter.add(1, performance.now());
            video.show(frame, info);
        },
        request_keyframe,
        on_status: (text, is_error) => (is_error ? report('pixels', text) : status.show(text)),
    });
}

// ---- panels -------------------------------------------------------------------------------

const ui = {
    store,
    set: set_control,
    selected: null,
    select: (id) => { ui.selected = id; render_soon(); },
    reset: reset_view,
    toggle_hud: () => { hud.toggle(); render_soon(); },
    hud_visible: () => hud.visible,
};
const toolbar = new Toolbar($('toolbar'), ui);
const layers = new LayersPanel($('layers'), ui);
const dims = new DimsPanel($('dims'), ui);

let render_scheduled = false;
function render_soon() {
    if (render_scheduled) return;
    render_scheduled = true;
    requestAnimationFrame(() => {
        render_scheduled = false;
        if (!store.layer_ids.includes(ui.selected)) ui.selected = store.layer_ids.at(-1) ?? null;
        toolbar.render();
        layers.render();
        dims.render();
        render_hud();
    });
}

function render_hud() {
    const now = performance.now();
    hud.render({ connection: control.connection, connection_text, fps: decoded_meter.per_second(now),
                 bytes_per_s: bytes_meter.per_second(now), stream: stream_info, latency }, now);
}
setInterval(render_hud, 250);

attach_camera_input($('view'), {
    video,
    ndisplay: () => store.get('view', 'main', 'ndisplay'),
    set: set_control,
    reset: reset_view,
});
attach_shortcuts(document, {
    toggle_ndisplay: () => toolbar.toggle_ndisplay(),
    reset_view,
    step: (delta) => dims.step_active(delta),
    cycle_axis: (delta) => { dims.cycle_active(delta); render_soon(); },
    toggle_visible: () => {
        if (ui.selected !== null) set_control('layer', ui.selected, 'visible', !store.shown('layer', ui.selected, 'visible'), { discrete: true });
    },
    toggle_hud: ui.toggle_hud,
});

// Faults in the page itself are shown too (the console has them as well).
window.addEventListener('error', (e) => report('page', `page error: ${e.message}`));
window.addEventListener('unhandledrejection', (e) => report('page', `page error: ${e.reason?.message ?? e.reason}`));

window.scenehostViewer = Object.freeze({
    get connection() { return control.connection; },
    get resumed() { return control.resumed; },
    get lastBaseline() { return control.last_baseline; },
    get framesDecoded() { return frames_decoded; },
    get lastVersions() { return { ...last_versions }; },
    get errors() { return errors.slice(); },
    get store() { return structuredClone(store.base); },
    get latency() { return latency.samples.slice(); },
    get changedBy() { return { ...activity.by_address }; },
    get changedByActor() { return { ...activity.actor_by_address }; },
});

// ---- start: resume from this tab's last session when it left tokens ------------------------

const saved = JSON.parse(sessionStorage.getItem(kStorageKey) ?? 'null');
if (saved && Object.keys(saved.tokens).length > 0) {
    control.tokens = saved.tokens;
    store.restore(saved.store);
    if (saved.stream) set_stream(saved.stream);
}
control.start();
if (pixels) pixels.start();
render_soon();
