// Browser test of the dashboard against a running `./nattery demo`, in headless Chromium (Debian's, driven by
// playwright-core: no downloaded browser). Prints each check; exits 1 on the first that fails. Screenshots of
// every page go to $SCREENSHOTS.
// Env: NATTERY_URL (http://127.0.0.1:8080), NATTERY_PASSWORD, DEVICES (3), CHROMIUM (/usr/bin/chromium),
// SCREENSHOTS (./e2e/screenshots).
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const base = process.env.NATTERY_URL ?? 'http://127.0.0.1:8080';
const password = process.env.NATTERY_PASSWORD ?? 'nattery-demo';
const devices = Number(process.env.DEVICES ?? 3);
const shots = process.env.SCREENSHOTS ?? 'e2e/screenshots';
mkdirSync(shots, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-dev-shm-usage'],
});
let failed = false;
const pageErrors = [];

async function check(name, fn) {
  const started = Date.now();
  try {
    await fn();
    console.log(`ok   ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (e) {
    failed = true;
    console.log(`FAIL ${name}: ${e.message.split('\n')[0]}`);
  }
}

async function signIn(page, user) {
  await page.goto(`${base}/#/login`);
  await page.fill('input[name=username]', user);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-testid=device-table]');
}

const snap = (page, name) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

try {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('dialog', (d) => d.accept());

  await check('a wrong password is refused on the login page', async () => {
    await page.goto(`${base}/`);
    await page.waitForSelector('form.login');
    await snap(page, '01-login');
    await page.fill('input[name=username]', 'operator');
    await page.fill('input[name=password]', 'not-the-password');
    await page.click('button[type=submit]');
    await page.waitForSelector('form.login .error:has-text("Wrong user or password")');
  });

  await check('an operator signs in and lands on the fleet', async () => {
    await signIn(page, 'operator');
  });

  let first;
  await check(`the fleet page shows all ${devices} devices with values that change`, async () => {
    await page.waitForFunction((n) => document.querySelectorAll('tr[data-device]').length === n, devices, { timeout: 30_000 });
    const ids = await page.$$eval('tr[data-device]', (rows) => rows.map((r) => r.getAttribute('data-device')));
    first = ids[0];
    const seen = async () => page.$$eval('tr[data-device]', (rows) => rows.map((r) =>
      r.querySelector('[data-field=seen]').textContent + '|' + r.querySelector('[data-field=soc]').textContent));
    const before = await seen();
    await page.waitForFunction((b) => {
      const now = [...document.querySelectorAll('tr[data-device]')].map((r) =>
        r.querySelector('[data-field=seen]').textContent + '|' + r.querySelector('[data-field=soc]').textContent);
      return now.every((v, i) => v !== b[i] && !v.endsWith('|–'));
    }, before, { timeout: 30_000 });
    await page.waitForSelector('[data-total=devices]', { timeout: 15_000 });
    const totals = await page.textContent('[data-total=devices]');
    if (!totals.includes(`/ ${devices}`)) throw new Error(`fleet totals say "${totals}"`);
    await snap(page, '02-fleet');
  });

  await check('a device chart updates live', async () => {
    await page.click(`tr[data-device="${first}"] a`);
    await page.waitForSelector('[data-testid=soc-chart] canvas');
    const count = async () => Number(await page.textContent('[data-testid=live-samples]'));
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=live-samples]').textContent) >= 3,
      null, { timeout: 30_000 });
    const a = await count();
    await page.waitForFunction((x) => Number(document.querySelector('[data-testid=live-samples]').textContent) > x,
      a, { timeout: 15_000 });
    await snap(page, '03-device');
  });

  await check('a set_power from the page reaches the simulator and shows in telemetry', async () => {
    const target = -1500;
    await page.fill('[data-testid=power-w]', String(target));
    await page.click('[data-testid=set-power]');
    const ended = await page.waitForFunction(() => /DONE|REJECTED|FAILED|EXPIRED|refused/.test(
      document.querySelector('[data-testid=command-status]').textContent), null, { timeout: 60_000 }).catch(() => null);
    const status = await page.textContent('[data-testid=command-status]');
    await snap(page, '04-device-after-set-power');
    if (!ended) throw new Error(`the command did not settle in 60 s: "${status}"`);
    if (!status.includes('DONE')) throw new Error(`the command ended as "${status}"`);
    // the telemetry shown on the page carries the new setpoint
    await page.waitForFunction((kw) => document.querySelector('[data-field=mode]').textContent.includes(kw),
      `(${(target / 1000).toFixed(2)} kW)`, { timeout: 30_000 });
    await snap(page, '04-device-after-set-power');
  });

  await check('the prices page shows today and tomorrow without a stale banner', async () => {
    await page.goto(`${base}/#/prices`);
    await page.waitForSelector('.price-days .tile');
    await page.waitForFunction(() => document.querySelectorAll('.price-days .tile').length === 2);
    const text = await page.textContent('.price-days');
    if (text.includes('not published')) throw new Error(`the demo's prices are missing: ${text}`);
    if (await page.isVisible('[data-testid=stale-banner]')) throw new Error('a stale banner with fresh prices');
    await page.waitForTimeout(500); // the chart draws on its next frame
    await snap(page, '05-prices');
  });

  await check('the alerts and revenue pages render', async () => {
    await page.goto(`${base}/#/alerts`);
    await page.waitForSelector('[data-testid=alerts-table]');
    await snap(page, '06-alerts');
    await page.goto(`${base}/#/revenue`);
    await page.waitForSelector('.toolbar');
    await page.waitForFunction(() => !document.body.textContent.includes('Loading…'), null, { timeout: 20_000 });
    await snap(page, '07-revenue');
  });

  await check('the stale-price banner appears when tomorrow\'s prices are missing after 15:30', async () => {
    // a browser whose clock says 16:00 Brussels tomorrow: its "today" is the demo's tomorrow, its "tomorrow" has
    // no prices, and the deadline has passed
    const later = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    const stalePage = await later.newPage();
    const tomorrow = new Date(Date.now() + 86_400_000);
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Brussels' }).format(tomorrow);
    // 16:00 Brussels is 15:00 UTC in winter, 14:00 in summer: 15:00 UTC is past 15:30 Brussels either way
    await stalePage.clock.setFixedTime(new Date(`${day}T15:00:00Z`));
    await signIn(stalePage, 'viewer');
    await stalePage.goto(`${base}/#/prices`);
    await stalePage.waitForSelector('[data-testid=stale-banner]:visible', { timeout: 15_000 });
    const text = await stalePage.textContent('[data-testid=stale-banner]');
    if (!/stale/i.test(text)) throw new Error(`banner says "${text}"`);
    await stalePage.waitForTimeout(500);
    await snap(stalePage, '08-prices-stale');
    await later.close();
  });

  if (pageErrors.length) {
    failed = true;
    console.log(`FAIL errors in the page: ${pageErrors.join('; ')}`);
  }
} catch {
  // reported by check()
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
