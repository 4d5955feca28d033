// The dims sliders: one per axis that is not displayed, with its label and a play button
// (napari's 10 fps, looping, one axis at a time). Ids: dims-slider-<axis>, dims-play-<axis>,
// dims-label-<axis>. The active axis is the one the arrow keys step (napari's last_used).
import { h, row } from './dom.js';

const kPlayFps = 10;

// The axes with sliders: not among the displayed ones, in axis order.
export function slider_axes(dims) {
    const displayed = new Set(dims.displayed ?? []);
    return [...Array(dims.ndim).keys()].filter((axis) => !displayed.has(axis));
}

// ctx: {store, set(scope, target, key, value, options)}.
export class DimsPanel {
    constructor(container, ctx) {
        this.container = container;
        this.ctx = ctx;
        this.layout = '';
        this.updaters = [];
        this.active_axis = null;
        this.playing = null;  // {axis, timer}
    }

    dims() {
        return this.ctx.store.base.dims?.main;
    }

    // The slider position shown for `axis`: this page's pending index, else the store's.
    index(axis) {
        return this.ctx.store.shown('dims', String(axis), 'index') ?? this.dims().current_step[axis];
    }

    render() {
        const dims = this.dims();
        if (!dims) return;
        const axes = slider_axes(dims);
        const layout = JSON.stringify([axes, dims.nsteps, dims.axis_labels]);
        if (layout !== this.layout) this.build(layout, axes);
        for (const update of this.updaters) update();
    }

    build(layout, axes) {
        this.layout = layout;
        this.updaters = [];
        if (this.playing && !axes.includes(this.playing.axis)) this.stop();
        if (!axes.includes(this.active_axis)) this.active_axis = axes[0] ?? null;
        this.container.replaceChildren(...axes.map((axis) => this.slider(axis)));
    }

    slider(axis) {
        const { store, set } = this.ctx;
        const dims = this.dims();
        const id = `dims-slider-${axis}`;
        const input = h('input', {
            type: 'range', id, min: 0, max: dims.nsteps[axis] - 1, step: 1,
            dataset: { scope: 'dims', target: String(axis), key: 'index' },
            oninput: (e) => {
                this.active_axis = axis;
                set('dims', String(axis), 'index', Number(e.target.value));
            },
        });
        const play = h('button', { id: `dims-play-${axis}`, class: 'play', title: `play axis ${axis}`, 'aria-pressed': 'false',
                                   onclick: () => this.toggle_play(axis) }, '▶');
        const readout = h('span', { class: 'readout' });
        const label = dims.axis_labels?.[axis] ?? String(axis);
        const r = row(h('span', { id: `dims-label-${axis}` }, label), id, [play, input], readout);
        this.updaters.push(() => {
            const i = this.index(axis);
            input.value = i;
            readout.textContent = `${i} / ${dims.nsteps[axis] - 1}`;
            r.error.textContent = store.errors.get(`dims/${axis}/index`) ?? '';
            r.el.classList.toggle('active', axis === this.active_axis);
            const on = this.playing?.axis === axis;
            play.textContent = on ? '■' : '▶';
            play.setAttribute('aria-pressed', String(on));
        });
        return r.el;
    }

    // Moves the active axis by `delta` steps (arrow keys), stopping at the ends like napari.
    step_active(delta) {
        const axis = this.active_axis;
        if (axis === null) return;
        const last = this.dims().nsteps[axis] - 1;
        const next = Math.min(last, Math.max(0, this.index(axis) + delta));
        this.ctx.set('dims', String(axis), 'index', next);
    }

    // Alt+Up / Alt+Down: the arrow keys step the next or previous slider.
    cycle_active(delta) {
        const axes = slider_axes(this.dims());
        if (axes.length === 0) return;
        const at = Math.max(0, axes.indexOf(this.active_axis));
        this.active_axis = axes[(at + delta + axes.length) % axes.length];
    }

    toggle_play(axis) {
        const again = this.playing?.axis !== axis;
        this.stop();
        if (again) {
            this.active_axis = axis;
            const timer = setInterval(() => {
                const n = this.dims().nsteps[axis];
                this.ctx.set('dims', String(axis), 'index', (this.index(axis) + 1) % n);
            }, 1000 / kPlayFps);
            this.playing = { axis, timer };
        }
        this.render();
    }

    stop() {
        if (!this.playing) return;
        clearInterval(this.playing.timer);
        this.playing = null;
    }
}
