// Lighthouse 12 (mobile, simulated throttling, as the CLI) on the PWA, in ONE Chromium:
//
//   login       a browser that never signed in: the sign-in screen (Lighthouse's own reset)
//   today-cold  signed in through the UI, then the HTTP cache, the service worker, its
//               caches and IndexedDB emptied; cookies and localStorage kept
//   today-warm  Today opened once more with the service worker controlling, then measured
//               with everything in place
//
// The app decides from localStorage ("rm.user", pwa/src/data/session.ts) whether anyone
// signed in on this device, so a session cookie alone shows the sign-in form: signing in
// through the form, in the browser Lighthouse then drives, is the only honest way to Today.
// Because it is the same browser instance, this works whether the session cookie is a
// session cookie or a persistent one.
//
//   node bench/lighthouse/measure.mjs BASE_URL OUT_DIR
//   env: CHROME_PATH (default /usr/bin/chromium), CHROME_FLAGS, LH_USER, LH_PASSWORD,
//        LH_RUNS (runs of each, default 3: a shared 2-core machine moves TBT a lot)
// Writes OUT_DIR/{login,today-cold,today-warm}.N.json; bench/lighthouse/report.py reads them.
import fs from 'node:fs';
import path from 'node:path';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import puppeteer from 'puppeteer-core';
import { ScreenAudit, ScreenShown } from './screen.mjs';

const [base, outDir] = process.argv.slice(2);
if (!base || !outDir) {
  console.error('usage: node measure.mjs BASE_URL OUT_DIR');
  process.exit(2);
}
const origin = new URL(base).origin;
const home = `${origin}/`;
const USER = process.env.LH_USER ?? 'rm1';
const PASSWORD = process.env.LH_PASSWORD ?? 'demo1234';
const FLAGS = (process.env.CHROME_FLAGS ?? '--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage '
  + '--disable-background-networking --disable-component-update --disable-sync --no-first-run').split(/\s+/).filter(Boolean);
const WAIT = 60_000;
const RUNS = Number(process.env.LH_RUNS ?? 3);

function config(storageReset) {
  return {
    extends: 'lighthouse:default',
    settings: {
      onlyCategories: ['performance', 'accessibility', 'best-practices'],
      onlyAudits: ['rm-screen'],
      disableStorageReset: !storageReset,
    },
    artifacts: [{ id: 'ScreenShown', gatherer: { implementation: ScreenShown } }],
    audits: [{ implementation: ScreenAudit }],
  };
}

/** One Lighthouse run written to OUT_DIR/NAME.json; `prepare` sets the state before each
 * attempt. A run Lighthouse itself reports broken (NO_NAVSTART and the like, seen on a busy
 * machine) is taken again, at most twice; report.py leaves out one that stays broken. */
async function measure(page, name, storageReset, prepare = async () => '') {
  for (let attempt = 1; ; attempt += 1) {
    const note = await prepare();
    const started = Date.now();
    const result = await lighthouse(home, { logLevel: 'error', output: 'json' }, config(storageReset), page);
    if (!result) throw new Error(`${name}: Lighthouse returned nothing`);
    const error = result.lhr.runtimeError;
    if (error && attempt < 3) {
      console.log(`  ${name}: Lighthouse error ${error.code}, measured again`);
      continue;
    }
    fs.writeFileSync(path.join(outDir, `${name}.json`), result.report);
    console.log(`  ${name}: Lighthouse run of ${((Date.now() - started) / 1000).toFixed(0)} s${note && `; ${note}`}`);
    return;
  }
}

/** Cold, but signed in: HTTP cache, service worker, Cache Storage and IndexedDB emptied;
 * cookies and localStorage (the app's "who signed in here") kept. Lighthouse's own reset is
 * off for these runs (it would keep IndexedDB, and its clean-up would undo the warm state). */
async function emptyCaches(page) {
  await page.goto('about:blank');
  const cdp = await page.createCDPSession();
  await cdp.send('Storage.clearDataForOrigin', {
    origin,
    storageTypes: 'service_workers,cache_storage,indexeddb,file_systems,shader_cache',
  });
  await cdp.send('Network.clearBrowserCache');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true }); // evicts the memory cache too
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: false });
  const { cookies } = await cdp.send('Network.getCookies', { urls: [home] });
  // service workers show up as events after ServiceWorker.enable; none left is the point
  const workers = [];
  cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => workers.push(...e.registrations.filter((r) => !r.isDeleted)));
  await cdp.send('ServiceWorker.enable');
  await new Promise((resolve) => setTimeout(resolve, 500));
  await cdp.send('ServiceWorker.disable');
  await cdp.detach();
  const kept = cookies.map((c) => `${c.name} (${c.session ? 'session' : 'persistent'})`).join(', ') || 'NONE';
  return `emptied HTTP cache, Cache Storage, IndexedDB, service workers (${workers.length} left); kept cookies: ${kept}`;
}

/** Today has drawn the day's plan (or its empty state) and the service worker controls the page. */
async function todayDrawn(page) {
  await page.waitForSelector('[data-testid=plan-date]', { timeout: WAIT });
  await page.waitForFunction('navigator.serviceWorker.controller !== null', { timeout: WAIT });
}

const profile = fs.mkdtempSync(path.join(outDir, 'profile-'));
const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
  chromeFlags: FLAGS,
  userDataDir: profile,
  logLevel: 'error',
});
let browser;
try {
  browser = await puppeteer.connect({ browserURL: `http://127.0.0.1:${chrome.port}`, defaultViewport: null });
  const page = await browser.newPage();

  // 1. never signed in: the sign-in screen
  for (let run = 1; run <= RUNS; run += 1) await measure(page, `login.${run}`, true);

  // 2. sign in through the form, as a person would: cookie, profile in localStorage, CSRF in IndexedDB
  await page.goto(home, { waitUntil: 'load' });
  await page.waitForSelector('input[name=username]', { timeout: WAIT });
  await page.type('input[name=username]', USER);
  await page.type('input[name=password]', PASSWORD);
  await page.click('button[type=submit]');
  await todayDrawn(page).catch((error) => {
    throw new Error(`signing in as ${USER} through the form did not reach Today: ${error.message}`);
  });

  // 3. cold: empty what a returning user may have lost, keep being signed in
  for (let run = 1; run <= RUNS; run += 1) {
    await measure(page, `today-cold.${run}`, false, () => emptyCaches(page));
  }

  // 4. warm: one more visit with the service worker in control, then the measured loads
  await page.goto(home, { waitUntil: 'load' });
  await todayDrawn(page);
  const warm = await page.evaluate(async () => {
    const names = await caches.keys();
    let entries = 0;
    for (const name of names) entries += (await (await caches.open(name)).keys()).length;
    return { caches: names.length, entries, controller: navigator.serviceWorker.controller?.scriptURL ?? null };
  });
  console.log(`  warm: service worker ${warm.controller} controls the page; ${warm.caches} cache(s), ${warm.entries} entries`);
  await page.goto('about:blank');
  for (let run = 1; run <= RUNS; run += 1) await measure(page, `today-warm.${run}`, false);
} finally {
  await browser?.disconnect();
  chrome.kill();
  fs.rmSync(profile, { recursive: true, force: true });
}
