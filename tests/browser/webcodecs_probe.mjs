// Feasibility probe: can headless Debian chromium decode scenehost's H.264 with WebCodecs?
// Encodes testsrc with ffmpeg's libx264 (scenehost's x264 settings), decodes it in the page as
// AVCC + avcC (what /pixels sends) and as Annex B, and checks the first frame's pixels.
//
//   node webcodecs_probe.mjs [--size 320x240] [--frames 5]
//
// Required, per profile (exit 1 otherwise): AVCC + avcC with the colour space pinned to BT.601
// limited range decodes every frame at the right size, and its first frame is not uniform and
// within kMinPsnrDb of ffmpeg's decode; the page logs no error. Reported only: the same without
// a colour space (Chromium then assumes BT.709), and Annex B without a description.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { launch, newPage, gotoSecurePage } from './harness.mjs';
import { split_annexb, access_units, to_annexb, to_avcc, avcc_record, codec_string, nal_type, kNalSps, kNalPps } from './h264.mjs';

const { values: cli } = parseArgs({ options: { size: { type: 'string', default: '320x240' }, frames: { type: 'string', default: '5' } } });
const [width, height] = cli.size.split('x').map(Number);
const frame_count = Number(cli.frames);
const kProfiles = ['baseline', 'main', 'high'];
const kProbeCodecs = ['avc1.42E01F', 'avc1.64001F'];  // Constrained Baseline and High, level 3.1
const kMinPsnrDb = 40;  // vs ffmpeg's decode; both decode exactly, only YUV->RGB conversion differs
// scenehost converts with libyuv's BT.601 limited range and its x264 writes no VUI colour
// description, so a client must say so; without it Chromium converts as BT.709 (~25 dB here).
const kBt601 = { matrix: 'smpte170m', primaries: 'smpte170m', transfer: 'smpte170m', fullRange: false };

const work_dir = mkdtempSync(join(tmpdir(), 'webcodecs-probe-'));
const ffmpeg = (args) => {
    try {
        return execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', ...args], { maxBuffer: 1 << 28 });
    } catch (e) {
        throw new Error(e.code === 'ENOENT' ? 'ffmpeg not found: apt-get install ffmpeg' : `ffmpeg ${args.join(' ')}: ${e.message}`);
    }
};

// One stream per profile, encoded as scenehost's x264 plugin does: veryfast, zerolatency, no
// B-frames, SPS/PPS in-band before the IDR. Also ffmpeg's own RGB decode of the first frame.
function make_stream(profile) {
    const path = join(work_dir, `${profile}.h264`);
    ffmpeg(['-f', 'lavfi', '-i', `testsrc=size=${width}x${height}:rate=10`, '-frames:v', String(frame_count),
            '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-bf', '0', '-threads', '1',
            '-profile:v', profile, '-pix_fmt', 'yuv420p', '-bsf:v', 'h264_mp4toannexb', '-f', 'h264', path]);
    const units = access_units(split_annexb(readFileSync(path)));
    const all_nals = units.flatMap((u) => u.nals);
    const sps = all_nals.find((n) => nal_type(n) === kNalSps);
    const pps = all_nals.find((n) => nal_type(n) === kNalPps);
    if (!sps || !pps) throw new Error(`${path}: no SPS or PPS in the stream`);
    if (units.length !== frame_count || !units[0].key) {
        throw new Error(`${path}: ${units.length} access units (want ${frame_count}), first key=${units[0]?.key}`);
    }
    const reference_rgb = ffmpeg(['-i', path, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']);
    return { profile, units, sps, pps, codec: codec_string(sps), reference_rgb };
}

// Runs in the page: configure, decode every chunk, flush, draw the first frame on a canvas and
// read it back. Returns timings and the RGBA bytes (base64) rather than throwing.
async function decode_in_page({ codec, description, color_space, chunks, width, height }) {
    const from_b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
    const t0 = performance.now();
    const config = { codec, codedWidth: width, codedHeight: height, optimizeForLatency: true };
    if (description) config.description = from_b64(description);
    if (color_space) config.colorSpace = color_space;
    const support = await VideoDecoder.isConfigSupported(config);
    if (!support.supported) return { error: `isConfigSupported(${JSON.stringify({ ...config, description: !!description })}) is false` };
    const frames = [];
    let error = null;
    const decoder = new VideoDecoder({ output: (f) => frames.push(f), error: (e) => { error ??= `${e.name}: ${e.message}`; } });
    decoder.configure(config);
    chunks.forEach((c, i) => decoder.decode(new EncodedVideoChunk({ type: c.key ? 'key' : 'delta', timestamp: i * 100000, data: from_b64(c.data) })));
    try { await decoder.flush(); } catch (e) { error ??= `flush: ${e.name}: ${e.message}`; }
    const decode_ms = performance.now() - t0;
    const result = { error, frames_out: frames.length, decode_ms };
    if (frames.length > 0) {
        const f = frames[0];
        result.frame = { format: f.format, coded: `${f.codedWidth}x${f.codedHeight}`, display: `${f.displayWidth}x${f.displayHeight}`,
                         visible: `${f.visibleRect.width}x${f.visibleRect.height}`,
                         timestamp: f.timestamp, color_space: f.colorSpace.toJSON() };
        const canvas = document.createElement('canvas');
        canvas.width = f.displayWidth;
        canvas.height = f.displayHeight;
        const ctx = canvas.getContext('2d', { willReadFrequently: true });
        ctx.drawImage(f, 0, 0);
        const rgba = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
        let binary = '';
        for (let i = 0; i < rgba.length; i += 0x8000) binary += String.fromCharCode(...rgba.subarray(i, i + 0x8000));
        result.rgba = btoa(binary);
    }
    frames.forEach((f) => f.close());
    if (decoder.state !== 'closed') decoder.close();
    result.total_ms = performance.now() - t0;
    return result;
}

// Compares the page's RGBA with ffmpeg's RGB: distinct colours, a few samples, PSNR.
function check_picture(rgba, reference_rgb) {
    const colours = new Set();
    let squared = 0;
    for (let p = 0; p < width * height; ++p) {
        colours.add((rgba[4 * p] >> 3) << 10 | (rgba[4 * p + 1] >> 3) << 5 | rgba[4 * p + 2] >> 3);
        for (let c = 0; c < 3; ++c) squared += (rgba[4 * p + c] - reference_rgb[3 * p + c]) ** 2;
    }
    const mse = squared / (width * height * 3);
    const samples = [1, 3, 5, 7].map((k) => {
        const [x, y] = [Math.floor(k * width / 8), Math.floor(height / 4)];
        const i = y * width + x;
        return { x, y, page: Array.from(rgba.subarray(4 * i, 4 * i + 3)), ffmpeg: Array.from(reference_rgb.subarray(3 * i, 3 * i + 3)) };
    });
    return { distinct_colours: colours.size, psnr_db: mse === 0 ? Infinity : 10 * Math.log10(255 ** 2 / mse), samples };
}

const b64 = (bytes) => Buffer.from(bytes).toString('base64');
const ms = (t) => Math.round(t);
const failures = [];
const timings = {};
const wall_start = performance.now();

let t = performance.now();
let streams;
try { streams = kProfiles.map(make_stream); } finally { rmSync(work_dir, { recursive: true, force: true }); }
timings.ffmpeg_ms = ms(performance.now() - t);

t = performance.now();
const browser = await launch();
timings.launch_ms = ms(performance.now() - t);
try {
    t = performance.now();
    const { page, assert_no_errors } = await newPage(browser);
    timings.new_page_ms = ms(performance.now() - t);
    t = performance.now();
    await gotoSecurePage(page);
    timings.goto_ms = ms(performance.now() - t);

    t = performance.now();
    const api = await page.evaluate(async (codecs) => ({
        video_decoder: typeof VideoDecoder,
        secure_context: isSecureContext,
        support: Object.fromEntries(await Promise.all(codecs.map(async (codec) =>
            [codec, (await VideoDecoder.isConfigSupported({ codec, optimizeForLatency: true })).supported]))),
    }), [...new Set([...kProbeCodecs, ...streams.map((s) => s.codec)])]);
    timings.is_config_supported_ms = ms(performance.now() - t);
    console.log(`chromium ${browser.version()}: VideoDecoder ${api.video_decoder}, secure context ${api.secure_context}`);
    for (const [codec, supported] of Object.entries(api.support)) {
        console.log(`  isConfigSupported({codec: '${codec}', optimizeForLatency: true}).supported = ${supported}`);
        if (kProbeCodecs.includes(codec) && !supported) failures.push(`${codec} not supported`);
    }

    for (const s of streams) {
        const avcc = { format: 'avcc', description: b64(avcc_record(s.sps, s.pps)),
                       chunks: s.units.map((u) => ({ key: u.key, data: b64(to_avcc(u.nals)) })) };
        const annexb = { format: 'annexb', description: null,
                         chunks: s.units.map((u) => ({ key: u.key, data: b64(to_annexb(u.nals)) })) };
        const variants = [
            { ...avcc, name: 'avcc_bt601', required: true, color_space: kBt601 },
            { ...avcc, name: 'avcc', required: false, color_space: null },
            { ...annexb, name: 'annexb_bt601', required: false, color_space: kBt601 },
        ];
        for (const v of variants) {
            const label = `${s.profile} ${s.codec} ${v.format}${v.description ? ' + avcC' : ', no description'}` +
                          `${v.color_space ? ', colorSpace BT.601' : ', no colorSpace'}${v.required ? '' : ' (report only)'}`;
            t = performance.now();
            const r = await page.evaluate(decode_in_page, { codec: s.codec, description: v.description, color_space: v.color_space,
                                                            chunks: v.chunks, width, height });
            timings[`decode_${s.profile}_${v.name}_ms`] = ms(performance.now() - t);
            let decoded = !r.error && r.frames_out === frame_count;
            let colours_ok = false;
            let detail = `frames ${r.frames_out ?? 0}/${frame_count}` + (r.error ? `, error: ${r.error}` : '');
            if (r.rgba) {
                const pic = check_picture(Buffer.from(r.rgba, 'base64'), s.reference_rgb);
                decoded &&= r.frame.display === `${width}x${height}` && pic.distinct_colours >= 16;
                colours_ok = pic.psnr_db >= kMinPsnrDb;
                detail += `, ${r.frame.format} coded ${r.frame.coded} visible ${r.frame.visible} display ${r.frame.display}` +
                          `\n      colour space ${JSON.stringify(r.frame.color_space)}` +
                          `, ${pic.distinct_colours} distinct colours, PSNR vs ffmpeg ${pic.psnr_db.toFixed(1)} dB` +
                          `, in-page ${r.decode_ms.toFixed(1)} ms\n      samples (x,y: page rgb / ffmpeg rgb): ` +
                          pic.samples.map((p) => `${p.x},${p.y}: ${p.page} / ${p.ffmpeg}`).join('; ');
            }
            const ok = decoded && colours_ok;
            const status = ok ? 'OK' : decoded ? `decoded, but PSNR < ${kMinPsnrDb} dB` : 'FAILED';
            console.log(`  decode ${label}: ${status}, ${detail}`);
            if (!ok && v.required) failures.push(`decode ${label}`);
        }
    }
    try { assert_no_errors(); } catch (e) { failures.push(e.message); }
    t = performance.now();
    await page.close();
    timings.page_close_ms = ms(performance.now() - t);
} finally {
    t = performance.now();
    await browser.close();
    timings.browser_close_ms = ms(performance.now() - t);
}
timings.wall_ms = ms(performance.now() - wall_start);
console.log(`timings: ${JSON.stringify(timings)}`);
if (failures.length > 0) {
    console.error(`FAILED:\n  ${failures.join('\n  ')}`);
    process.exit(1);
}
console.log('webcodecs probe: OK');
