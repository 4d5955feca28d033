// Browser test harness: starts Debian's chromium through playwright-core (never a downloaded
// browser) and opens pages that record every console error and uncaught page error.
import { chromium } from 'playwright-core';

// Debian's launcher script; it sources /etc/chromium.d/* and execs /usr/lib/chromium/chromium.
export const kChromiumPath = process.env.SCENEHOST_CHROMIUM ?? '/usr/bin/chromium';

// Flags beyond playwright-core's own defaults. Nothing else is needed for WebCodecs H.264
// decoding or 2D canvas readback without a GPU (webcodecs_probe.mjs checks this).
export const kChromiumArgs = [
    // New headless mode: the full browser with its media stack, not the old headless shell.
    // playwright-core also passes a bare --headless, which means the same on Chromium >= 132.
    '--headless=new',
    // We run as root in CI containers, where Chromium's sandbox refuses to start.
    '--no-sandbox',
    // The test machines have no network beyond their registries: no update checks, no sync,
    // no component downloads, no QUIC probes (each would be refused, many at a time).
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-quic',
    '--no-first-run',
];

// Starts a headless Chromium. The caller owns the browser and must close() it.
export async function launch() {
    return chromium.launch({
        executablePath: kChromiumPath,
        headless: true,
        args: kChromiumArgs,
    });
}

// Opens a page in its own context. `errors` collects, in order, every console message of
// type error and every uncaught exception in the page, so a test can assert that it stays
// empty. assert_no_errors() throws listing them. Closing the page closes its context.
export async function newPage(browser) {
    const page = await browser.newPage();
    const errors = [];
    page.on('console', (message) => {
        if (message.type() !== 'error') return;
        const { url, lineNumber } = message.location();
        errors.push({ kind: 'console', text: message.text(), where: url ? `${url}:${lineNumber}` : '' });
    });
    page.on('pageerror', (error) => {
        errors.push({ kind: 'pageerror', text: String(error?.stack ?? error), where: '' });
    });
    const assert_no_errors = () => {
        if (errors.length === 0) return;
        const lines = errors.map((e) => `  ${e.kind}: ${e.text}${e.where ? ` (${e.where})` : ''}`);
        throw new Error(`page reported ${errors.length} error(s):\n${lines.join('\n')}`);
    };
    return { page, errors, assert_no_errors };
}

// WebCodecs exists only in secure contexts. Chromium counts neither about:blank nor data: pages
// as secure (VideoDecoder is undefined there); a host on http://127.0.0.1 is. This serves `html`
// at kTestOrigin from playwright's router, so nothing touches the network, and goes there.
export const kTestOrigin = 'https://scenehost.test';
export async function gotoSecurePage(page, html = '<!doctype html><title>scenehost test</title>') {
    await page.route(`${kTestOrigin}/**`, (route) => route.fulfill({ contentType: 'text/html', body: html }));
    await page.goto(`${kTestOrigin}/`);
}
