// The status line (#status: the newest message, data-error when it is a fault) and the
// activity list (#activity: who changed what last, newest first).
import { h, format_number } from './dom.js';

const kActivityRows = 12;

export class StatusLine {
    constructor(el) {
        this.el = el;
    }

    show(text, is_error = false) {
        this.el.textContent = text;
        this.el.toggleAttribute('data-error', is_error);
    }
}

const show_value = (v) => (Array.isArray(v) ? `[${v.map(format_number).join(', ')}]` : format_number(v));

export class Activity {
    constructor(el) {
        this.el = el;
        this.rows = [];  // {address, value, by, actor, at}
        this.by_address = {};  // address -> 'self' | 'other', the last writer seen
        this.actor_by_address = {};  // address -> the actor id the host named, when it did
    }

    // `by` is 'self' (the frame carried this page's intent_id) or 'other'; `actor` the actor id
    // the notify named (notify.layers does), else undefined.
    note(address, value, by, actor) {
        this.by_address[address] = by;
        if (actor !== undefined) this.actor_by_address[address] = actor;
        const top = this.rows[0];
        if (top && top.address === address && top.by === by) this.rows.shift();  // a drag: one row
        this.rows.unshift({ address, value, by, actor, at: new Date() });
        this.rows.length = Math.min(this.rows.length, kActivityRows);
        this.el.replaceChildren(...this.rows.map((r) => h('li', { dataset: { by: r.by, address: r.address } },
            h('span', { class: 'who' }, r.by === 'self' ? 'this page' : (r.actor ?? 'another client')), ' ',
            h('span', { class: 'what' }, r.address), ' = ', h('span', { class: 'value' }, show_value(r.value)),
            h('time', {}, r.at.toLocaleTimeString()))));
    }
}
