// The HUD over the picture: connection, decoded fps, the stream (from notify.stream), bitrate
// (pixel message bytes per second) and intent-to-pixel latency with its split and a sparkline
// of the last 100 totals. Text refreshes at most 4 times a second.
import { h, format_number } from './dom.js';
import { percentile } from '../latency.js';

const kPlotSamples = 100;
const kRefreshMs = 250;

// Events per second over a sliding window.
export class RateMeter {
    constructor(window_ms = 1000) {
        this.window_ms = window_ms;
        this.events = [];  // [time_ms, amount]
    }

    add(amount, now_ms) {
        this.events.push([now_ms, amount]);
        this.trim(now_ms);
    }

    trim(now_ms) {
        while (this.events.length > 0 && now_ms - this.events[0][0] > this.window_ms) this.events.shift();
    }

    per_second(now_ms) {
        this.trim(now_ms);
        return (this.events.reduce((sum, [, a]) => sum + a, 0) * 1000) / this.window_ms;
    }
}

const ms = (v) => (Number.isFinite(v) ? `${v.toFixed(1)} ms` : '–');

export class Hud {
    constructor(el) {
        this.el = el;
        this.fields = {};
        const line = (name, label) => {
            this.fields[name] = h('span', { id: `hud-${name}` }, '–');
            return h('div', { class: 'hud-line' }, h('span', { class: 'hud-label' }, label), this.fields[name]);
        };
        this.plot = h('canvas', { id: 'hud-plot', width: 220, height: 48 });
        el.append(line('connection', 'connection'), line('fps', 'decoded'), line('encoder', 'encoder'),
                  line('codec', 'codec'), line('bitrate', 'bitrate'), line('latency', 'intent→pixel'),
                  line('split', 'last split'), this.plot, line('samples', 'samples'));
        this.last_refresh = -Infinity;
    }

    get visible() {
        return !this.el.hidden;
    }

    toggle() {
        this.el.hidden = !this.el.hidden;
        this.last_refresh = -Infinity;
    }

    // s: {connection, connection_text, fps, bytes_per_s, stream: {codec, profile, level, fps,
    // frame_size} | null, latency (LatencyTracker)}
    render(s, now_ms) {
        if (!this.visible || now_ms - this.last_refresh < kRefreshMs) return;
        this.last_refresh = now_ms;
        const f = this.fields;
        f.connection.textContent = `${s.connection}: ${s.connection_text}`;
        f.fps.textContent = `${s.fps.toFixed(1)} frames/s`;
        f.encoder.textContent = s.stream ? `${s.stream.encoder}, ${s.stream.profile} ${s.stream.level}, ${s.stream.frame_size.join('×')} at ${s.stream.fps} fps nominal` : 'no notify.stream yet';
        f.codec.textContent = s.stream ? s.stream.codec : '–';
        f.bitrate.textContent = `${((s.bytes_per_s * 8) / 1e6).toFixed(2)} Mbit/s (${Math.round(s.bytes_per_s / 1024)} KiB/s)`;
        const recent = s.latency.samples.slice(-kPlotSamples);
        const totals = recent.map((x) => x.total_ms);
        const [p50, p99] = [percentile(totals, 50), percentile(totals, 99)];
        const last = recent.at(-1);
        f.latency.textContent = last ? `${ms(last.total_ms)} (p50 ${ms(p50)}, p99 ${ms(p99)})` : 'no change measured yet';
        f.split.textContent = last
            ? `render ${ms(last.host.render_ms)} · encode ${ms(last.host.encode_ms)} · hand-off ${ms(last.host.handoff_ms)} · decode ${ms(last.decode_ms)} · display ${ms(last.display_ms)} · rest ${ms(last.other_ms)}`
            : '–';
        f.samples.textContent = `${s.latency.samples.length} measured, ${s.latency.missed} never drawn, ${format_number(s.latency.probes.size)} waiting`;
        this.draw_plot(totals, p50, p99);
    }

    draw_plot(totals, p50, p99) {
        const c = this.plot.getContext('2d');
        const [w, hgt] = [this.plot.width, this.plot.height];
        c.clearRect(0, 0, w, hgt);
        if (totals.length === 0) return;
        const top = Math.max(...totals) * 1.1;
        const y = (v) => hgt - (v / top) * hgt;
        c.strokeStyle = '#5a626c';
        for (const p of [p50, p99]) {
            c.beginPath();
            c.moveTo(0, y(p));
            c.lineTo(w, y(p));
            c.stroke();
        }
        c.strokeStyle = '#50c878';
        c.beginPath();
        totals.forEach((v, i) => {
            const x = (i / (kPlotSamples - 1)) * w;
            if (i === 0) c.moveTo(x, y(v));
            else c.lineTo(x, y(v));
        });
        c.stroke();
        c.fillStyle = '#d1d2d4';
        c.font = '10px sans-serif';
        c.fillText(`max ${top.toFixed(0)} ms`, 2, 10);
    }
}
