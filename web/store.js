// The page's mirror of the host's store, {scope: {target: {key: value}}}, fed by notify.scene,
// notify.layers, notify.dims, notify.camera and ack.state, with this page's optimistic values
// on top. Controls show shown(); only the host's frames change base.

export function address(scope, target, key) {
    return `${scope}/${target}/${key}`;
}

// Where an accepted ack's applied_value lives: the intent's own key, except for relative and
// per-axis writes (docs/scene.md: dims index/step answer with current_step, orbit with
// angles, pan with center, an anchored zoom with zoom, reset/set with center).
export function applied_address(scope, target, key, value) {
    if (scope === 'dims' && ['index', 'step', 'current_step'].includes(key)) return ['dims', 'main', 'current_step'];
    if (scope === 'camera') {
        const camera_key = { pan: 'center', orbit: 'angles', reset: 'center', fit: 'center', set: 'center' }[key];
        if (camera_key) return ['camera', 'main', camera_key];
        if (key === 'zoom' && typeof value === 'object') return ['camera', 'main', 'zoom'];
        return ['camera', 'main', key];
    }
    return [scope, target, key];
}

// A notify.layers change key: "volume.mode" belongs to the volume scope, anything else
// (multiscale.level included) to the layer scope (docs/scene.md, the snapshot).
export function layer_change_address(layer_id, key) {
    if (key.startsWith('volume.')) return ['volume', layer_id, key.slice('volume.'.length)];
    return ['layer', layer_id, key];
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

// Invariant: base only ever holds what the host said (notifies, acks); pending holds at most
// one value per address, the newest this page set, until the ack of its last send.
export class Store {
    constructor() {
        this.base = {};
        this.layer_ids = [];          // in the snapshot's order (sorted by id)
        this.versions = new Map();    // address -> property version, where a frame told it
        this.pending = new Map();     // address -> {value, intent_id (null until sent)}
        this.errors = new Map();      // address -> message shown beside its control
    }

    get(scope, target, key) {
        return this.base[scope]?.[target]?.[key];
    }

    // The base value at an address from address().
    at(a) {
        const [scope, ...rest] = a.split('/');
        const key = rest.pop();
        return this.get(scope, rest.join('/'), key);
    }

    shown(scope, target, key) {
        const p = this.pending.get(address(scope, target, key));
        return p !== undefined ? p.value : this.get(scope, target, key);
    }

    // Sets a base value; returns the address when it changed (for "who changed what").
    set(scope, target, key, value) {
        const targets = (this.base[scope] ??= {});
        const keys = (targets[target] ??= {});
        if (same(keys[key], value)) return null;
        keys[key] = value;
        return address(scope, target, key);
    }

    // notify.scene: the whole scene. Returns the addresses whose value changed.
    apply_scene(scene) {
        const previous = this.base;
        this.base = {};
        this.versions.clear();  // a snapshot carries no per-property versions
        const { settings, dims, camera } = scene.viewer;
        for (const [k, v] of Object.entries(settings)) this.set('view', 'main', k, v);
        this.set('view', 'main', 'ndisplay', dims.ndisplay);
        for (const [k, v] of Object.entries(dims)) if (k !== 'ndisplay') this.set('dims', 'main', k, v);
        for (const [k, v] of Object.entries(camera)) if (k !== 'ndisplay') this.set('camera', 'main', k, v);
        this.layer_ids = scene.layers.map((l) => l.layer_id);
        for (const layer of scene.layers) {
            const id = layer.layer_id;
            for (const k of ['layer_type', 'name', 'ndim', 'shape', 'dtype', 'axis_labels']) this.set('layer', id, k, layer[k]);
            for (const [k, v] of Object.entries(layer.controls)) this.set('layer', id, k, v);
            for (const [k, v] of Object.entries(layer.volume ?? {})) this.set('volume', id, k, v);
            if (layer.multiscale) {
                this.set('layer', id, 'multiscale.levels', layer.multiscale.levels);
                this.set('layer', id, 'multiscale.level', layer.multiscale.level);
            }
        }
        this.set('scene', 'main', 'metadata', scene.metadata ?? {});
        return this.changed_since(previous);
    }

    changed_since(previous) {
        const changed = [];
        for (const [scope, targets] of Object.entries(this.base)) {
            for (const [target, keys] of Object.entries(targets)) {
                for (const [key, value] of Object.entries(keys)) {
                    if (!same(previous[scope]?.[target]?.[key], value)) changed.push(address(scope, target, key));
                }
            }
        }
        return changed;
    }

    apply_layers({ layer_id, changes, version }) {
        const keys = Object.keys(changes);
        const changed = [];
        for (const key of keys) {
            const [scope, target, k] = layer_change_address(layer_id, key);
            const a = this.set(scope, target, k, changes[key]);
            if (a) changed.push(a);
            // With one key the frame's version is that property's; with several it is the last's.
            if (keys.length === 1 && version !== undefined) this.versions.set(address(scope, target, k), version);
        }
        return changed;
    }

    apply_dims(dims) {
        const changed = ['current_step', 'order', 'axis_labels', 'displayed']
            .filter((k) => k in dims)
            .map((k) => this.set('dims', 'main', k, dims[k]));
        changed.push(this.set('view', 'main', 'ndisplay', dims.ndisplay));
        return changed.filter(Boolean);
    }

    apply_camera({ state }) {
        if (!state) return [];
        return Object.entries(state).map(([k, v]) => this.set('camera', 'main', k, v)).filter(Boolean);
    }

    // The page set a control: it shows `value` until its last send is answered.
    set_pending(scope, target, key, value) {
        const a = address(scope, target, key);
        this.pending.set(a, { value, intent_id: null });
        this.errors.delete(a);
    }

    mark_sent(scope, target, key, intent_id) {
        const p = this.pending.get(address(scope, target, key));
        if (p) p.intent_id = intent_id;
    }

    // True while one of this page's updates of the address waits for its ack.
    in_flight(scope, target, key) {
        return this.pending.has(address(scope, target, key));
    }

    // ack.state for a sent update {scope, target, key, value, intent_id}. Returns the changed
    // address (accepted, or a conflict that revealed another value) or null.
    apply_ack(sent, ack) {
        const { scope, target, key, intent_id } = sent;
        const a = address(scope, target, key);
        if (this.pending.get(a)?.intent_id === intent_id) this.pending.delete(a);
        if (ack.status === 'accepted') {
            this.errors.delete(a);
            const [s, t, k] = applied_address(scope, target, key, sent.value);
            if (ack.version !== undefined) this.versions.set(address(s, t, k), ack.version);
            return this.set(s, t, k, ack.applied_value);
        }
        const { code, message, details } = ack.error;
        if (code === 'state.conflict') {
            this.versions.set(a, details.current_version);
            this.errors.set(a, `another client changed it first, to ${JSON.stringify(details.current_value)}`);
            return this.set(scope, target, key, details.current_value);
        }
        this.errors.set(a, message);
        return null;
    }

    // The connection dropped: nothing unanswered will be answered. Returns how many were lost.
    drop_pending() {
        const lost = [...this.pending.values()].filter((p) => p.intent_id !== null).length;
        this.pending.clear();
        return lost;
    }

    // What sessionStorage keeps for a resume after a reload: what the host said, no pending.
    snapshot() {
        return { base: this.base, layer_ids: this.layer_ids, versions: [...this.versions] };
    }

    restore({ base, layer_ids, versions }) {
        this.base = base;
        this.layer_ids = layer_ids;
        this.versions = new Map(versions);
    }
}
