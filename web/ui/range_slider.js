// A two-handle range slider: two overlapping <input type=range> (ids `${id}-lo`, `${id}-hi`),
// so each handle keeps the keyboard and Playwright's fill(). Used for contrast limits.
import { h } from './dom.js';

export class RangeSlider {
    // on_input([lo, hi]) as a handle moves; lo < hi always (the layer reducer demands it).
    constructor(id, data, on_input) {
        this.lo = h('input', { type: 'range', id: `${id}-lo`, dataset: { ...data, handle: 'lo' }, 'aria-label': 'low' });
        this.hi = h('input', { type: 'range', id: `${id}-hi`, dataset: { ...data, handle: 'hi' }, 'aria-label': 'high' });
        this.fill = h('div', { class: 'range-fill' });
        this.el = h('div', { class: 'range-slider', id, dataset: data }, h('div', { class: 'range-track' }, this.fill), this.lo, this.hi);
        this.step = 1;
        const moved = (handle) => {
            let [lo, hi] = [Number(this.lo.value), Number(this.hi.value)];
            if (lo >= hi) {
                if (handle === 'lo') lo = hi - this.step;
                else hi = lo + this.step;
            }
            on_input([lo, hi]);
        };
        this.lo.addEventListener('input', () => moved('lo'));
        this.hi.addEventListener('input', () => moved('hi'));
    }

    set_range(min, max, step) {
        this.step = step;
        for (const input of [this.lo, this.hi]) Object.assign(input, { min, max, step });
        this.min = min;
        this.max = max;
    }

    set_value([lo, hi]) {
        this.lo.value = lo;
        this.hi.value = hi;
        const span = this.max - this.min;
        this.fill.style.left = `${(100 * (lo - this.min)) / span}%`;
        this.fill.style.right = `${100 - (100 * (hi - this.min)) / span}%`;
    }
}
