// Intent-to-pixel latency as the browser viewer sees it, beside the host's own share, in one run.
//   cd tests/browser && node ../../bench/browser_latency.mjs [MOVES]
// Starts `build/bin/scenehost serve --demo` (1280x720, x264) on a free port, opens the viewer in
// Debian's Chromium (tests/browser/harness.mjs) and moves the z slider MOVES times (default 100),
// 150 ms apart, between two steps. For each move the page records (web/latency.js): total =
// the input event (web/updates.js notes it; the send follows in the next animation frame) to
// the first frame drawn whose metadata shows its acked version; the host's share = sent_us -
// applied_us of that frame (its projection, render, encode and hand-over, host clock); decode
// and display, page clock. The rest (the wait for the animation frame, network both ways, the
// engine, the decoder's queue) is total minus the parts. Prints a table of p50 / p99 / max.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { launch } from '../tests/browser/harness.mjs';

const moves = Number(process.argv[2] ?? 100);
const root = fileURLToPath(new URL('..', import.meta.url));
const host = spawn(`${root}/build/bin/scenehost`,
                   ['serve', '--demo', '--listen', '127.0.0.1:0', '--encoder', 'x264',
                    '--audit-log', `/tmp/scenehost-browser-bench-${process.pid}.jsonl`],
                   { stdio: ['ignore', 'pipe', 'ignore'] });
let out = '';
while (!/scenehost listening on 127\.0\.0\.1:(\d+)/.test(out)) {
    const [chunk] = await once(host.stdout, 'data');
    out += chunk;
}
const port = out.match(/scenehost listening on 127\.0\.0\.1:(\d+)/)[1];

const browser = await launch();
try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => window.scenehostViewer?.framesDecoded > 0, null, { timeout: 20000 });
    for (let i = 0; i < moves; ++i) {
        await page.evaluate((value) => {
            const input = document.getElementById('dims-slider-0');
            input.value = String(value);
            input.dispatchEvent(new Event('input', { bubbles: true }));
            input.dispatchEvent(new Event('change', { bubbles: true }));
        }, i % 2 === 0 ? 20 : 40);
        await page.waitForTimeout(150);
    }
    await page.waitForTimeout(1000);
    const samples = await page.evaluate(() => window.scenehostViewer.latency.filter((s) => s.scope === 'dims'));
    const pick = (f) => samples.map(f).sort((a, b) => a - b);
    const at = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
    const rows = [
        ['total (page: input to drawn)', pick((s) => s.total_ms)],
        ['host share (applied to sent)', pick((s) => s.host.render_ms + s.host.encode_ms + s.host.handoff_ms)],
        ['  of it: queue + render', pick((s) => s.host.render_ms)],
        ['  of it: convert + encode', pick((s) => s.host.encode_ms)],
        ['  of it: hand-over', pick((s) => s.host.handoff_ms)],
        ['page decode', pick((s) => s.decode_ms)],
        ['page display', pick((s) => s.display_ms)],
        ['the rest', pick((s) => s.other_ms)],
    ];
    console.log(`${samples.length} of ${moves} moves reached the screen`);
    console.log('| ms | p50 | p99 | max |\n|---|---:|---:|---:|');
    for (const [name, v] of rows) {
        console.log(`| ${name} | ${at(v, 0.5).toFixed(1)} | ${at(v, 0.99).toFixed(1)} | ${v[v.length - 1].toFixed(1)} |`);
    }
    const ratio = at(rows[0][1], 0.5) / at(rows[1][1], 0.5);
    console.log(`total / host share at p50: ${ratio.toFixed(2)}`);
} finally {
    await browser.close();
    host.kill('SIGTERM');
}
