// Coalesces the page's state.updates to the display rate: at most one waiting update per
// (scope, target, key), flushed on the next animation frame. Absolute values keep the newest;
// relative camera operations fold into one (docs/scene.md: pans and orbits add, zooms multiply).

// Folds a newer relative camera value into an older one; null for "keep the newer".
export function merge_relative(key, older, newer) {
    if (key === 'pan') return { dx_px: older.dx_px + newer.dx_px, dy_px: older.dy_px + newer.dy_px };
    if (key === 'orbit') return { d_az_deg: older.d_az_deg + newer.d_az_deg, d_el_deg: older.d_el_deg + newer.d_el_deg };
    if (key === 'zoom' && typeof older === 'object' && typeof newer === 'object') {
        return { factor: older.factor * newer.factor, anchor_px: newer.anchor_px };
    }
    return null;
}

export class UpdateQueue {
    // send(scope, target, key, value, options, input_ms) is called once per waiting address at
    // flush; input_ms is when the first input the update carries happened (performance.now()).
    constructor(send, schedule = (f) => requestAnimationFrame(f), now = () => performance.now()) {
        this.send = send;
        this.schedule = schedule;
        this.now = now;
        this.waiting = new Map();  // "scope/target/key" -> {scope, target, key, value, options, input_ms}
        this.scheduled = false;
    }

    // Called from the input's event handler. options.relative: fold into a waiting value instead
    // of replacing it; options.discrete: a one-off edit (sent with base_version when the version
    // is known).
    put(scope, target, key, value, options = {}) {
        const id = `${scope}/${target}/${key}`;
        const older = this.waiting.get(id);
        const merged = older && options.relative ? merge_relative(key, older.value, value) : null;
        const input_ms = older ? older.input_ms : this.now();
        this.waiting.set(id, { scope, target, key, value: merged ?? value, options, input_ms });
        if (!this.scheduled) {
            this.scheduled = true;
            this.schedule(() => this.flush());
        }
    }

    flush() {
        this.scheduled = false;
        const batch = [...this.waiting.values()];
        this.waiting.clear();
        for (const u of batch) this.send(u.scope, u.target, u.key, u.value, u.options, u.input_ms);
    }

    // The connection dropped: what waits would go to a session that no longer exists.
    clear() {
        this.waiting.clear();
    }
}
