// Small DOM helpers for the viewer's panels: element creation and the labelled-control rows
// every panel uses, each control carrying data-scope/-target/-key and an error line.

// h('div', {id: 'x', class: 'row', onclick: f}, child, 'text', ...)
export function h(tag, attrs = {}, ...children) {
    const el = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
        if (value === undefined || value === null || value === false) continue;
        if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
        else if (name === 'class') el.className = value;
        else if (name === 'dataset') Object.assign(el.dataset, value);
        else el.setAttribute(name, value === true ? '' : value);
    }
    el.append(...children.flat().filter((c) => c !== null && c !== undefined));
    return el;
}

// The data attributes that name a control's store property.
export function bound(scope, target, key) {
    return { scope, target, key };
}

// A row: label, the control(s), an optional value readout, and the error line beside it
// (id `${id}-error`, empty unless the host rejected the control's last value).
export function row(label, id, controls, readout = null) {
    const error = h('span', { class: 'error', id: `${id}-error`, role: 'status' });
    return {
        el: h('div', { class: 'row' }, h('label', { for: id }, label), h('div', { class: 'controls' }, controls, readout), error),
        error,
    };
}

export function format_number(value) {
    if (typeof value !== 'number') return String(value ?? '');
    if (Number.isInteger(value) || Math.abs(value) >= 100) return String(Math.round(value));
    return String(Number(value.toPrecision(3)));
}
