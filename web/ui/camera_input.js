// Camera by mouse on #view (docs/scene.md's relative operations): drag pans in 2D and orbits in
// 3D (shift+drag pans there, as in napari), the wheel zooms about the pointer, a double click
// calls camera.reset. Pointer moves are converted from CSS pixels to the stream's pixels.

const kOrbitDegPerPicture = 180;  // a drag across the picture's height turns it half around
const kWheelZoomPerPixel = 0.0015;

// ctx: {video (VideoCanvas), ndisplay() -> 2|3, set(scope, target, key, value, options), reset()}.
export function attach_camera_input(canvas, ctx) {
    let last = null;
    const scale = () => {
        const g = ctx.video.geometry();
        return g && { g, s: g.width / g.rect.w };
    };
    canvas.addEventListener('pointerdown', (e) => {
        if (e.button !== 0) return;
        canvas.setPointerCapture(e.pointerId);
        last = { x: e.clientX, y: e.clientY };
    });
    canvas.addEventListener('pointermove', (e) => {
        if (last === null) return;
        const [dx, dy] = [e.clientX - last.x, e.clientY - last.y];
        last = { x: e.clientX, y: e.clientY };
        const m = scale();
        if (!m || (dx === 0 && dy === 0)) return;
        if (ctx.ndisplay() === 3 && !e.shiftKey) {
            const k = kOrbitDegPerPicture / m.g.rect.h;
            ctx.set('camera', 'main', 'orbit', { d_az_deg: -dx * k, d_el_deg: -dy * k }, { relative: true });
        } else {
            ctx.set('camera', 'main', 'pan', { dx_px: dx * m.s, dy_px: dy * m.s }, { relative: true });
        }
    });
    const end = () => { last = null; };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
    canvas.addEventListener('wheel', (e) => {
        e.preventDefault();
        const m = scale();
        if (!m) return;
        const pixels = e.deltaMode === WheelEvent.DOM_DELTA_LINE ? e.deltaY * 40 : e.deltaY;
        const anchor_px = [(e.offsetX - m.g.rect.x) * m.s, (e.offsetY - m.g.rect.y) * m.s];
        ctx.set('camera', 'main', 'zoom', { factor: Math.exp(-pixels * kWheelZoomPerPixel), anchor_px }, { relative: true });
    }, { passive: false });
    canvas.addEventListener('dblclick', () => ctx.reset());
}
