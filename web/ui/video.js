// The picture: decoded VideoFrames drawn on #view, scaled to fit with the stream's aspect
// (letterboxed), one draw per animation frame. It holds at most two frames (the one shown,
// kept for redraws on resize, and the newest waiting) and closes every other at once.

// Where a w x h frame goes in a cw x ch canvas: the largest rect of its aspect, centred.
export function fit_rect(w, h, cw, ch) {
    const scale = Math.min(cw / w, ch / h);
    const [dw, dh] = [w * scale, h * scale];
    return { x: (cw - dw) / 2, y: (ch - dh) / 2, w: dw, h: dh };
}

export class VideoCanvas {
    // on_drawn(info, drawn_ms) after each new frame reaches the canvas.
    constructor(canvas, on_drawn) {
        this.canvas = canvas;
        this.context = canvas.getContext('2d');
        this.on_drawn = on_drawn;
        this.shown = null;    // {frame, info}
        this.waiting = null;
        this.scheduled = false;
        new ResizeObserver(() => this.schedule()).observe(canvas);
    }

    show(frame, info) {
        if (this.waiting) this.waiting.frame.close();  // superseded before it was drawn
        this.waiting = { frame, info };
        this.schedule();
    }

    schedule() {
        if (this.scheduled) return;
        this.scheduled = true;
        requestAnimationFrame(() => this.draw());
    }

    draw() {
        this.scheduled = false;
        const ratio = window.devicePixelRatio || 1;
        const [cw, ch] = [Math.round(this.canvas.clientWidth * ratio), Math.round(this.canvas.clientHeight * ratio)];
        if (this.canvas.width !== cw || this.canvas.height !== ch) Object.assign(this.canvas, { width: cw, height: ch });
        const fresh = this.waiting;
        if (fresh) {
            if (this.shown) this.shown.frame.close();
            this.shown = fresh;
            this.waiting = null;
        }
        this.context.fillStyle = '#000';
        this.context.fillRect(0, 0, cw, ch);
        if (!this.shown) return;
        const f = this.shown.frame;
        const r = fit_rect(f.displayWidth, f.displayHeight, cw, ch);
        this.context.drawImage(f, r.x, r.y, r.w, r.h);
        if (fresh) this.on_drawn(fresh.info, performance.now());
    }

    // The stream's size and the picture's rect in CSS pixels of the canvas, for pointer input.
    geometry() {
        if (!this.shown) return null;
        const { displayWidth: w, displayHeight: h } = this.shown.frame;
        return { width: w, height: h, rect: fit_rect(w, h, this.canvas.clientWidth, this.canvas.clientHeight) };
    }
}
