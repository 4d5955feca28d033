// The /control session, protocol v1 (docs/protocol.md): hello with the resume tokens, frames to
// the page, state.update and call.command with their answers correlated, heartbeats answered
// with session.ack, and reconnects with exponential backoff (250 ms doubling to 8 s).

export const kFeatures = {
    'notify.scene': true, 'notify.layers': true, 'notify.stream': true, 'notify.dims': true, 'notify.camera': true,
};
const kFirstBackoffMs = 250;
const kMaxBackoffMs = 8000;

// The frame this page sends: the v1 envelope around `payload`.
export function envelope(type, session, frame_id, payload, extra = {}) {
    const frame = { type, version: 1, frame_id, timestamp: Date.now() / 1000, payload, ...extra };
    if (session !== null) frame.session = session;
    return frame;
}

export function hello_frame(frame_id, tokens, client) {
    return envelope('session.hello', null, frame_id, {
        protocols: [1], client, features: kFeatures, resume_tokens: { ...tokens },
    });
}

// connection: 'connecting' (socket opening, hello sent), 'open' (welcomed, baseline not yet
// known), 'resumed' (the host replayed what was missed), 'baseline' (a fresh notify.scene),
// 'closed' (waiting to reconnect, or refused for good).
// Callbacks: on_frame(frame) for every notify.*, on_ack(sent, payload) for ack.state with the
// update it answers, on_connection(state, text) on every change, on_closed(unanswered) when
// the socket closes, on_status(text, is_error) for what the page should say.
// Tokens: each resumable frame's delta_token; after a fresh baseline, the welcome's cursor for
// the topics that sent nothing yet (the snapshot holds everything up to it).
// Invariant: `sent` and `calls` only hold frames sent on the current socket.
export class ControlSession {
    constructor(url, client, callbacks) {
        this.url = url;
        this.client = client;
        this.cb = callbacks;
        this.tokens = {};           // topic -> delta_token of its newest frame
        this.socket = null;
        this.session = null;
        this.connection = 'closed';
        this.resumed = false;
        this.last_baseline = null;  // 'fresh' | 'resumed'
        this.awaiting_baseline = false;
        this.attempted_resume = false;
        this.welcome_cursors = {};  // topic -> delta_token the welcome gave
        this.tokens_since_welcome = new Set();
        this.replayed = 0;
        this.sent = new Map();      // frame_id -> {scope, target, key, value, intent_id}
        this.calls = new Map();     // frame_id -> {resolve, reject, name}
        this.counter = 0;
        this.backoff_ms = kFirstBackoffMs;
        this.stopped = false;
    }

    next_id(kind) {
        this.counter += 1;
        return `${kind}-${this.counter}`;
    }

    set_connection(state, text) {
        this.connection = state;
        this.cb.on_connection(state, text);
    }

    start() {
        const socket = new WebSocket(this.url);
        this.socket = socket;
        this.set_connection('connecting', `connecting to ${this.url}`);
        socket.onopen = () => {
            this.attempted_resume = Object.keys(this.tokens).length > 0;
            socket.send(JSON.stringify(hello_frame(this.next_id('hello'), this.tokens, this.client)));
        };
        socket.onmessage = (event) => this.on_message(JSON.parse(event.data));
        socket.onclose = (event) => this.on_close(event);
    }

    on_close(event) {
        this.session = null;
        const unanswered = this.sent.size;
        this.sent.clear();
        for (const call of this.calls.values()) call.reject(new Error(`${call.name}: the connection closed before its reply`));
        this.calls.clear();
        this.cb.on_closed(unanswered);
        if (this.stopped) return;
        const lost = unanswered > 0 ? `; ${unanswered} update(s) went unanswered, the controls show the host's values` : '';
        const why = `control closed (${event.code}${event.reason ? ' ' + event.reason : ''})${lost}`;
        this.set_connection('closed', `${why}; reconnecting in ${this.backoff_ms} ms`);
        setTimeout(() => this.start(), this.backoff_ms);
        this.backoff_ms = Math.min(Math.max(this.backoff_ms * 2, kFirstBackoffMs), kMaxBackoffMs);
    }

    on_message(frame) {
        if (frame.delta_token !== undefined) {
            this.tokens[frame.type] = frame.delta_token;
            this.tokens_since_welcome.add(frame.type);
        }
        switch (frame.type) {
            case 'session.welcome':
                this.session = frame.session;
                this.backoff_ms = kFirstBackoffMs;
                this.awaiting_baseline = true;
                this.replayed = 0;
                this.tokens_since_welcome.clear();
                this.welcome_cursors = {};
                for (const [topic, f] of Object.entries(frame.payload.features)) {
                    if (f.resume_state) this.welcome_cursors[topic] = f.resume_state.delta_token;
                }
                return this.set_connection('open', this.attempted_resume ? 'welcomed; resuming by token' : 'welcomed');
            case 'session.reject': return this.on_reject(frame.payload);
            case 'session.heartbeat':
                return this.send(envelope('session.ack', this.session, this.next_id('ack'), {}));
            case 'session.goodbye':
                return this.cb.on_status(`host said goodbye: ${frame.payload.code ?? ''} ${frame.payload.reason ?? ''} ${frame.payload.message ?? ''}`.trim(),
                                         frame.payload.code === 'error');
            case 'ack.state': return this.on_ack(frame.payload);
            case 'reply.command': return this.on_reply(frame.payload, null);
            case 'error.command': return this.on_reply(null, frame.payload);
            default: break;
        }
        this.note_baseline(frame);
        this.cb.on_frame(frame);
    }

    // A notify.scene first means a fresh baseline; dims or camera "baseline" first means the
    // host replayed from our tokens (docs/protocol.md, "Session and resume").
    note_baseline(frame) {
        if (!this.awaiting_baseline) return;
        if (frame.type === 'notify.layers') this.replayed += 1;
        const resumed = (frame.type === 'notify.dims' && frame.payload.source === 'baseline')
            || (frame.type === 'notify.camera' && frame.payload.origin === 'baseline');
        if (frame.type !== 'notify.scene' && !resumed) return;
        this.awaiting_baseline = false;
        this.resumed = resumed;
        this.last_baseline = resumed ? 'resumed' : 'fresh';
        if (!resumed) {
            for (const [topic, token] of Object.entries(this.welcome_cursors)) {
                if (!this.tokens_since_welcome.has(topic)) this.tokens[topic] = token;
            }
        }
        if (resumed) this.set_connection('resumed', `resumed: ${this.replayed} missed layer change(s) replayed`);
        else this.set_connection('baseline', this.attempted_resume ? 'could not resume: started from a fresh baseline' : 'fresh baseline');
    }

    on_reject({ code, message }) {
        if (code === 'session.invalid_resume_token') {
            this.tokens = {};
            this.cb.on_status(`host refused the resume token (${message}); connecting afresh`, true);
            this.backoff_ms = 0;
            return;  // the host closes the socket; on_close reconnects without tokens
        }
        this.stopped = true;
        this.cb.on_status(`host refused the session: ${code}: ${message}`, true);
        this.set_connection('closed', `refused: ${code}`);
    }

    on_ack(payload) {
        const sent = this.sent.get(payload.in_reply_to);
        this.sent.delete(payload.in_reply_to);
        this.cb.on_ack(sent, payload);
    }

    on_reply(reply, error) {
        const id = (reply ?? error).in_reply_to;
        const call = this.calls.get(id);
        this.calls.delete(id);
        if (reply) call.resolve(reply.result);
        else call.reject(Object.assign(new Error(`${call.name}: ${error.code}: ${error.message}`), { code: error.code }));
    }

    get is_open() {
        return this.session !== null;
    }

    send(frame) {
        this.socket.send(JSON.stringify(frame));
    }

    // Sends a state.update; returns its intent_id. Only while open.
    update(scope, target, key, value, base_version) {
        const frame_id = this.next_id('state');
        const intent_id = this.next_id('intent');
        const payload = { scope, target, key, value };
        if (base_version !== undefined) payload.base_version = base_version;
        this.sent.set(frame_id, { scope, target, key, value, intent_id });
        this.send(envelope('state.update', this.session, frame_id, payload, { intent_id }));
        return intent_id;
    }

    // Sends a call.command; returns {frame_id, reply}, reply resolving with the result or
    // rejecting with the error.command (its code on the Error). Only while open.
    command(name, args = [], kwargs = {}) {
        const frame_id = this.next_id('cmd');
        const reply = new Promise((resolve, reject) => this.calls.set(frame_id, { resolve, reject, name }));
        this.send(envelope('call.command', this.session, frame_id, { command: name, args, kwargs }));
        return { frame_id, reply };
    }
}
