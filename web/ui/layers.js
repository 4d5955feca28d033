// The layer list: one card per layer with napari's layer controls (layer scope) and the
// volume rendering controls (volume scope). Ids: layer-<id>-<key>, volume-<id>-<key>.
import { h, row, format_number } from './dom.js';
import { RangeSlider } from './range_slider.js';

export const kColormaps = ['gray', 'gray_r', 'red', 'green', 'blue', 'cyan', 'magenta', 'yellow',
                           'viridis', 'magma', 'inferno', 'plasma', 'turbo', 'hsv'];
export const kBlendings = ['opaque', 'translucent', 'translucent_no_depth', 'additive', 'minimum'];
export const kVolumeModes = ['mip', 'minip', 'attenuated_mip', 'iso', 'translucent', 'average', 'additive'];

// The value range a layer's contrast limits (and iso threshold) may take (docs/scene.md).
export function data_range(dtype, limits) {
    if (dtype === 'uint8') return { min: 0, max: 255, step: 1 };
    if (dtype === 'uint16') return { min: 0, max: 65535, step: 1 };
    const [lo, hi] = limits;
    const [min, max] = [Math.min(0, lo), Math.max(1, hi)];
    return { min, max, step: (max - min) / 1000 };
}

// ctx: {store, set(scope, target, key, value, options), selected (layer id), select(id)}.
export class LayersPanel {
    constructor(container, ctx) {
        this.container = container;
        this.ctx = ctx;
        this.layout = '';
        this.updaters = [];
        this.cards = new Map();
    }

    render() {
        const { store } = this.ctx;
        const layout = store.layer_ids.join('\n');
        if (layout !== this.layout) this.build(layout);
        for (const update of this.updaters) update();
        for (const [id, card] of this.cards) card.classList.toggle('selected', id === this.ctx.selected);
    }

    build(layout) {
        this.layout = layout;
        this.updaters = [];
        this.cards.clear();
        this.container.replaceChildren(...this.ctx.store.layer_ids.map((id) => this.card(id)));
    }

    // One control bound to (scope, id, key); `make` builds the element from its data attributes,
    // `show` puts the store's shown value into it.
    control(label, scope, id, key, make, show, readout = null) {
        const { store } = this.ctx;
        const el_id = `${scope}-${id}-${key}`;
        const el = make(el_id, { scope, target: id, key });
        const r = row(label, el_id, el.el ?? el, readout);
        this.updaters.push(() => {
            show(el, store.shown(scope, id, key));
            if (readout) readout.textContent = format_number(store.shown(scope, id, key));
            r.error.textContent = store.errors.get(`${scope}/${id}/${key}`) ?? '';
        });
        return r.el;
    }

    slider(label, scope, id, key, min, max, step) {
        const set = this.ctx.set;
        return this.control(label, scope, id, key,
            (el_id, data) => h('input', { type: 'range', id: el_id, min, max, step, dataset: data,
                                          oninput: (e) => set(scope, id, key, Number(e.target.value)) }),
            (el, v) => { el.value = v; },
            h('span', { class: 'readout' }));
    }

    select(label, scope, id, key, options) {
        const set = this.ctx.set;
        return this.control(label, scope, id, key,
            (el_id, data) => h('select', { id: el_id, dataset: data,
                                           onchange: (e) => set(scope, id, key, e.target.value, { discrete: true }) },
                               options.map((o) => h('option', { value: o }, o))),
            (el, v) => { el.value = v; });
    }

    card(id) {
        const { store, set } = this.ctx;
        const get = (key) => store.get('layer', id, key);
        const range = data_range(get('dtype'), get('contrast_limits'));

        const visible = this.control('visible', 'layer', id, 'visible',
            (el_id, data) => h('input', { type: 'checkbox', id: el_id, dataset: data,
                                          onchange: (e) => set('layer', id, 'visible', e.target.checked, { discrete: true }) }),
            (el, v) => { el.checked = v; });
        // While being typed into (input seen, change not yet), the field keeps what is typed.
        const name = this.control('name', 'layer', id, 'name',
            (el_id, data) => h('input', { type: 'text', id: el_id, dataset: data, spellcheck: 'false',
                                          oninput: (e) => { e.target.dataset.typing = 'true'; },
                                          onchange: (e) => {
                                              delete e.target.dataset.typing;
                                              set('layer', id, 'name', e.target.value, { discrete: true });
                                          } }),
            (el, v) => { if (!el.dataset.typing) el.value = v; });
        const limits_readout = h('span', { class: 'readout' });
        const limits = this.control('contrast', 'layer', id, 'contrast_limits',
            (el_id, data) => {
                const slider = new RangeSlider(el_id, data, (v) => set('layer', id, 'contrast_limits', v));
                slider.set_range(range.min, range.max, range.step);
                return slider;
            },
            (slider, v) => {
                slider.set_value(v);
                limits_readout.textContent = v.map(format_number).join(' – ');
            });

        const card = h('section', { class: 'layer', id: `layer-${id}`, dataset: { layer: id },
                                    onpointerdown: () => this.ctx.select(id) },
            h('header', {}, h('span', { class: 'layer-id' }, id),
              h('span', { class: 'layer-meta' }, `${get('layer_type')} ${get('dtype')} ${(get('shape') ?? []).join('×')}`)),
            visible, name,
            this.slider('opacity', 'layer', id, 'opacity', 0, 1, 0.01),
            this.select('colormap', 'layer', id, 'colormap', kColormaps),
            limits,
            h('div', { class: 'row readout-row' }, limits_readout),
            this.slider('gamma', 'layer', id, 'gamma', 0.01, 2, 0.01),
            this.select('blending', 'layer', id, 'blending', kBlendings),
            h('h3', {}, 'volume (3D)'),
            this.select('rendering', 'volume', id, 'mode', kVolumeModes),
            this.slider('iso threshold', 'volume', id, 'iso_threshold', range.min, range.max, range.step),
            this.slider('attenuation', 'volume', id, 'attenuation', 0, 1, 0.01));
        this.cards.set(id, card);
        return card;
    }
}
