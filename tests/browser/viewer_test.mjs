// The browser viewer in Debian's Chromium against a real host: `node viewer_test.mjs SCENARIO
// URL [OUT_DIR]`. tests/integration/browser_test.cpp starts the host and runs one scenario per
// test case. Each scenario checks values (the canvas against the host's own scene.screenshot,
// the store through a probe session of its own), fails on any page console error, and prints
// one JSON line {ok, ...}; the exit code is 0 only when it passed.
import { writeFile } from 'node:fs/promises';
import { launch, newPage } from './harness.mjs';

const [scenario, url, out_dir] = process.argv.slice(2);
const kTimeoutMs = 20000;

// Every WebSocket the page opens, so a test can drop one (the viewer's own code is untouched).
const kRecordSockets = `
  window.__sockets = [];
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) { super(...args); window.__sockets.push(this); }
  };`;

async function open_viewer(browser) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    await context.addInitScript(kRecordSockets);
    const page = await context.newPage();
    const errors = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()}`));
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.stack ?? e}`));
    await page.goto(url);
    await page.waitForFunction(() => window.scenehostViewer?.framesDecoded > 0, null, { timeout: kTimeoutMs });
    return { page, errors };
}

// A control session of the test's own, in a page of its own: commands and the store's view.
async function open_probe(browser) {
    const page = await browser.newPage();
    await page.goto(url);  // same origin; the viewer there is harmless
    await page.evaluate(async () => {
        const socket = new WebSocket(`ws://${location.host}/control`);
        const replies = new Map();
        let session = null, counter = 0;
        await new Promise((resolve, reject) => {
            socket.onerror = reject;
            socket.onopen = () => socket.send(JSON.stringify({
                type: 'session.hello', version: 1, frame_id: 'probe-hello', timestamp: Date.now() / 1000,
                payload: { protocols: [1], client: { name: 'browser-test-probe', version: '1', platform: 'test' },
                           features: { 'notify.scene': true, 'notify.layers': true, 'notify.stream': true },
                           resume_tokens: {} } }));
            socket.onmessage = (event) => {
                const frame = JSON.parse(event.data);
                if (frame.type === 'session.welcome') { session = frame.session; resolve(); }
                if (frame.type === 'reply.command' || frame.type === 'error.command') {
                    replies.get(frame.payload.in_reply_to)?.(frame);
                }
            };
        });
        window.__probe = (command) => new Promise((resolve) => {
            const frame_id = `probe-${++counter}`;
            replies.set(frame_id, resolve);
            socket.send(JSON.stringify({ type: 'call.command', version: 1, session, frame_id,
                                         timestamp: Date.now() / 1000,
                                         payload: { command, args: [], kwargs: {} } }));
        });
    });
    return page;
}

async function command(probe, name) {
    const frame = await probe.evaluate((n) => window.__probe(n), name);
    if (frame.type !== 'reply.command') throw new Error(`${name}: ${JSON.stringify(frame.payload)}`);
    return frame.payload.result;
}

// The host's newest picture once it shows at least `versions` (scope -> version).
async function screenshot_at(probe, versions = {}) {
    const deadline = Date.now() + kTimeoutMs;
    for (;;) {
        const shot = await probe.evaluate((n) => window.__probe(n), 'scene.screenshot');
        if (shot.type === 'reply.command') {
            const r = shot.payload.result;
            if (Object.entries(versions).every(([scope, v]) => (r.versions[scope] ?? 0) >= v)) return r;
        }
        if (Date.now() > deadline) throw new Error(`no screenshot at ${JSON.stringify(versions)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
}

// Mean absolute difference per channel (0..255) between the viewer's picture and a host PNG,
// over a 48 x 27 grid of points of the stream, each mapped into the canvas's letterbox.
async function picture_difference(page, png_base64) {
    return page.evaluate(async (data) => {
        const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
        const shot = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
        const host = new OffscreenCanvas(shot.width, shot.height).getContext('2d');
        host.drawImage(shot, 0, 0);
        const hp = host.getImageData(0, 0, shot.width, shot.height).data;
        const canvas = document.getElementById('view');
        const vp = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        const scale = Math.min(canvas.width / shot.width, canvas.height / shot.height);
        const ox = (canvas.width - shot.width * scale) / 2, oy = (canvas.height - shot.height * scale) / 2;
        let sum = 0, n = 0;
        for (let gy = 0; gy < 27; ++gy) {
            for (let gx = 0; gx < 48; ++gx) {
                const sx = Math.floor((gx + 0.5) * shot.width / 48), sy = Math.floor((gy + 0.5) * shot.height / 27);
                const cx = Math.floor(ox + (sx + 0.5) * scale), cy = Math.floor(oy + (sy + 0.5) * scale);
                const h = (sy * shot.width + sx) * 4, v = (cy * canvas.width + cx) * 4;
                for (let c = 0; c < 3; ++c) sum += Math.abs(hp[h + c] - vp[v + c]);
                n += 3;
            }
        }
        return sum / n;
    }, png_base64);
}

// The same between two host PNGs: how different the two pictures a check tells apart are.
async function shots_difference(page, a, b) {
    return page.evaluate(async ([a, b]) => {
        const pixels = async (data) => {
            const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
            const image = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
            const context = new OffscreenCanvas(image.width, image.height).getContext('2d');
            context.drawImage(image, 0, 0);
            return context.getImageData(0, 0, image.width, image.height).data;
        };
        const [pa, pb] = [await pixels(a), await pixels(b)];
        let sum = 0;
        for (let i = 0; i < pa.length; i += 4) for (let c = 0; c < 3; ++c) sum += Math.abs(pa[i + c] - pb[i + c]);
        return sum / (pa.length / 4 * 3);
    }, [a, b]);
}

// Polls the viewer's picture until it matches the host's within `tolerance`; the last difference.
async function wait_for_picture(page, png, tolerance) {
    const deadline = Date.now() + kTimeoutMs;
    let difference;
    do {
        difference = await picture_difference(page, png);
        if (difference <= tolerance) return difference;
        await page.waitForTimeout(100);
    } while (Date.now() < deadline);
    return difference;
}

const viewer_state = (page) => page.evaluate(() => ({
    connection: window.scenehostViewer.connection,
    lastBaseline: window.scenehostViewer.lastBaseline,
    framesDecoded: window.scenehostViewer.framesDecoded,
    store: window.scenehostViewer.store,
    lastVersions: window.scenehostViewer.lastVersions,
    errors: window.scenehostViewer.errors,
}));

// Sets a range or text input the way a user's drag or typing does: its value, then input and
// change events.
async function set_input(page, id, value) {
    await page.evaluate(([id, value]) => {
        const input = document.getElementById(id);
        input.value = String(value);
        input.dispatchEvent(new Event('input', { bubbles: true }));
        input.dispatchEvent(new Event('change', { bubbles: true }));
    }, [id, value]);
}

// The picture may differ from the host's PNG by what H.264 at 8 Mbit/s and the canvas's scaling
// change: about one level on average (seen: 0.75 to 0.95). Another z step of the demo differs
// by about 12, a blank canvas by far more.
const kSamePicture = 4;

const scenarios = {
    // The first decoded frame is the host's picture.
    async first_frame(browser) {
        const { page, errors } = await open_viewer(browser);
        const probe = await open_probe(browser);
        const shot = await screenshot_at(probe);
        const difference = await wait_for_picture(page, shot.data, kSamePicture);
        const blank = await page.evaluate(() => {
            const c = document.getElementById('view');
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let lit = 0;
            for (let i = 0; i < d.length; i += 4) lit += d[i] + d[i + 1] + d[i + 2] > 60 ? 1 : 0;
            return lit / (d.length / 4);
        });
        if (out_dir) await page.screenshot({ path: `${out_dir}/viewer-demo.png` });
        return { ok: difference <= kSamePicture && blank > 0.2, difference, lit_fraction: blank, errors };
    },

    // Moving the z slider shows the host's picture of that step, in this page and in another.
    async dims_slider(browser) {
        const a = await open_viewer(browser);
        const b = await open_viewer(browser);
        const probe = await open_probe(browser);
        const before = await screenshot_at(probe);
        const step = (await viewer_state(a.page)).store.dims.main.current_step;
        const target = step[0] === 10 ? 50 : 10;
        await set_input(a.page, 'dims-slider-0', target);
        await a.page.waitForFunction((t) => window.scenehostViewer.store.dims.main.current_step[0] === t, target,
                                     { timeout: kTimeoutMs });
        const after = await screenshot_at(probe, { dims: (before.versions.dims ?? 0) + 1 });
        const changed = await shots_difference(probe, before.data, after.data);
        const here = await wait_for_picture(a.page, after.data, kSamePicture);
        // The other page: its slider moved, its picture is the new one.
        await b.page.waitForFunction(
            (t) => Number(document.getElementById('dims-slider-0').value) === t, target, { timeout: kTimeoutMs });
        const there = await wait_for_picture(b.page, after.data, kSamePicture);
        const not_before = await picture_difference(b.page, before.data);
        // Who changed what: a's opacity change reaches b named by a's actor id, a sees its own.
        await set_input(a.page, 'layer-layer-1-opacity', 0.25);
        await b.page.waitForFunction(() => window.scenehostViewer.store.layer['layer-1'].opacity === 0.25, null,
                                     { timeout: kTimeoutMs });
        const actor = (await b.page.evaluate(() => window.scenehostViewer.changedByActor))['layer/layer-1/opacity'];
        const listed = await b.page.textContent('#activity');
        const self = (await a.page.evaluate(() => window.scenehostViewer.changedBy))['layer/layer-1/opacity'];
        const named = /^scenehost-web#[0-9a-f]{8}$/.test(actor ?? '') && listed.includes(actor) && self === 'self';
        const errors = [...a.errors, ...b.errors];
        return { ok: changed > 2 * kSamePicture && here <= kSamePicture && there <= kSamePicture &&
                     not_before > kSamePicture && named, changed, here, there, not_before, actor, self, errors };
    },

    // 3D, then a drag across the picture orbits the camera: the store's angles change.
    async orbit_3d(browser) {
        const { page, errors } = await open_viewer(browser);
        const probe = await open_probe(browser);
        await page.click('#ndisplay-toggle');
        await page.waitForFunction(() => window.scenehostViewer.store.view.main.ndisplay === 3, null,
                                   { timeout: kTimeoutMs });
        const angles_before = (await command(probe, 'scene.snapshot')).viewer.camera.angles;
        const box = await page.locator('#view').boundingBox();
        const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
        await page.mouse.move(x, y);
        await page.mouse.down();
        for (let i = 1; i <= 10; ++i) await page.mouse.move(x + 12 * i, y + 4 * i);
        await page.mouse.up();
        const deadline = Date.now() + kTimeoutMs;
        let angles_after = angles_before;
        while (Date.now() < deadline && JSON.stringify(angles_after) === JSON.stringify(angles_before)) {
            await page.waitForTimeout(100);
            angles_after = (await command(probe, 'scene.snapshot')).viewer.camera.angles;
        }
        const camera = (await command(probe, 'scene.snapshot')).viewer.camera;
        const shot = await screenshot_at(probe, { camera: 1 });
        const difference = await wait_for_picture(page, shot.data, kSamePicture);
        const moved = JSON.stringify(angles_after) !== JSON.stringify(angles_before);
        return { ok: moved && difference <= kSamePicture, angles_before, angles_after, camera, difference, errors };
    },

    // The control socket drops; the page reconnects and resumes by token, with no new baseline.
    async resume(browser) {
        const { page, errors } = await open_viewer(browser);
        const first = await viewer_state(page);
        await page.evaluate(() => {
            const control = window.__sockets.find((s) => s.url.endsWith('/control') && s.readyState === 1);
            control.close(4000, 'test drops the socket');
        });
        await page.waitForFunction(() => window.scenehostViewer.connection === 'closed', null, { timeout: kTimeoutMs });
        await page.waitForFunction(() => window.scenehostViewer.connection === 'resumed', null, { timeout: kTimeoutMs });
        const after = await viewer_state(page);
        // The dropped-socket close is the test's; nothing else may be an error.
        return { ok: first.lastBaseline === 'fresh' && after.lastBaseline === 'resumed', first: first.connection,
                 after: after.connection, lastBaseline: after.lastBaseline, errors };
    },

    // A value the host refuses (an empty layer name) shows its error and snaps back.
    async rejected(browser) {
        const { page, errors } = await open_viewer(browser);
        const name = (await viewer_state(page)).store.layer['layer-1'].name;
        await set_input(page, 'layer-layer-1-name', '');
        await page.waitForFunction(() => document.getElementById('layer-layer-1-name-error')?.textContent !== '',
                                   null, { timeout: kTimeoutMs });
        const message = await page.textContent('#layer-layer-1-name-error');
        await page.waitForFunction((n) => document.getElementById('layer-layer-1-name').value === n, name,
                                   { timeout: kTimeoutMs });
        const stored = (await viewer_state(page)).store.layer['layer-1'].name;
        return { ok: message.length > 0 && stored === name, message, name, errors };
    },
};

const browser = await launch();
let result;
try {
    result = await scenarios[scenario](browser);
} catch (e) {
    result = { ok: false, exception: String(e.stack ?? e) };
} finally {
    await browser.close();
}
if (result.errors?.length) result.ok = false;
if (out_dir) await writeFile(`${out_dir}/${scenario}.json`, JSON.stringify(result, null, 2));
console.log(JSON.stringify({ scenario, ...result }));
process.exit(result.ok ? 0 : 1);
