// The toolbar: the connection badge, the 2D/3D toggle (view.ndisplay), reset view
// (camera.reset) and the HUD toggle. Ids: connection, ndisplay-toggle, camera-reset, hud-toggle.
import { h } from './dom.js';

// ctx: {store, set(...), reset(), toggle_hud(), hud_visible()}
export class Toolbar {
    constructor(container, ctx) {
        this.ctx = ctx;
        this.badge = h('span', { id: 'connection', class: 'badge', dataset: { state: 'connecting' } }, 'connecting');
        this.ndisplay = h('button', {
            id: 'ndisplay-toggle', title: 'toggle 2D / 3D (Ctrl+Y)', 'aria-pressed': 'false',
            dataset: { scope: 'view', target: 'main', key: 'ndisplay' },
            onclick: () => this.toggle_ndisplay(),
        }, '2D');
        this.ndisplay_error = h('span', { class: 'error', id: 'ndisplay-toggle-error', role: 'status' });
        this.hud = h('button', { id: 'hud-toggle', title: 'show / hide the HUD (H)', 'aria-pressed': 'false',
                                 onclick: () => ctx.toggle_hud() }, 'HUD');
        const reset = h('button', { id: 'camera-reset', title: 'reset the view (Ctrl+R, double click)',
                                    onclick: () => ctx.reset() }, 'reset view');
        container.append(h('span', { class: 'title' }, 'scenehost'), this.badge, this.ndisplay, this.ndisplay_error,
                         reset, this.hud);
    }

    toggle_ndisplay() {
        const now = this.ctx.store.shown('view', 'main', 'ndisplay');
        this.ctx.set('view', 'main', 'ndisplay', now === 3 ? 2 : 3, { discrete: true });
    }

    set_connection(state) {
        this.badge.dataset.state = state;
        this.badge.textContent = state;
    }

    render() {
        const { store } = this.ctx;
        const n = store.shown('view', 'main', 'ndisplay') ?? 2;
        this.ndisplay.textContent = n === 3 ? '3D' : '2D';
        this.ndisplay.setAttribute('aria-pressed', String(n === 3));
        this.ndisplay_error.textContent = store.errors.get('view/main/ndisplay') ?? '';
        this.hud.setAttribute('aria-pressed', String(this.ctx.hud_visible()));
    }
}
