/**
 * End-to-end helpers: Debian's Chromium driven by playwright-core against a real `kairos serve`
 * (packages/server/test/support/server.ts), plus the instruments the timing tests need.
 *
 * Flip times are measured in the page, not by polling from Node: a MutationObserver (installed
 * before the app's scripts run) stamps the first moment each badge phase / current timeline step
 * appears, on `performance.timeOrigin + performance.now()` — a clock the app never touches and a
 * shifted `Date` does not move. `pageSkew` maps that clock onto Node's (= the server's) clock.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { ROOT, type TestServer } from '../../../server/test/support/server.ts';

export { ADMIN, ROOT, startServer, stopAll, type TestServer } from '../../../server/test/support/server.ts';

export const SCREENSHOTS = path.join(ROOT, 'test-results', 'screenshots');
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
}

declare global {
  interface Window {
    /** `badge:<eventId>:<phase>` / `step:<name>` / `pagebadge:<phase>` → first seen (perf epoch ms). */
    __seen: Record<string, number>;
    __marker?: string;
  }
}

/** Runs in the page before the app: records when each badge phase and timeline step first appears. */
function recorder(): void {
  const seen: Record<string, number> = {};
  window.__seen = seen;
  const mark = (key: string, t: number) => {
    if (!(key in seen)) seen[key] = t;
  };
  const scan = () => {
    const t = performance.timeOrigin + performance.now();
    for (const b of document.querySelectorAll<HTMLElement>('li.card[data-event-id] .badge[data-phase]')) {
      const card = b.closest<HTMLElement>('li.card');
      mark(`badge:${card?.dataset.eventId}:${b.dataset.phase}`, t);
    }
    const head = document.querySelector<HTMLElement>('.event-page .page-head .badge[data-phase]');
    if (head) mark(`pagebadge:${head.dataset.phase}`, t);
    const step = document.querySelector('.timeline .step-current .step-name');
    if (step?.firstChild) mark(`step:${step.firstChild.textContent}`, t);
  };
  new MutationObserver(scan).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
}

/** Shifts the page's `Date` (not timers, not `performance`) by `shiftMs`: a device clock that is off. */
function shiftDate(shiftMs: number): void {
  const RealDate = Date;
  const now = () => RealDate.now() + shiftMs;
  globalThis.Date = new Proxy(RealDate, {
    construct: (target, args, newTarget) =>
      args.length === 0 ? Reflect.construct(target, [now()], newTarget) : Reflect.construct(target, args, newTarget),
    apply: () => new RealDate(now()).toString(),
    get: (target, key) => (key === 'now' ? now : Reflect.get(target, key)),
  });
}

/**
 * Drops the stream's `transition` messages before the app sees them, so a badge can only flip by
 * the page's own boundary timer (SPEC §7), not by the server's message.
 */
function muteTransitions(): void {
  const add = EventSource.prototype.addEventListener;
  EventSource.prototype.addEventListener = function (this: EventSource, type: string, ...rest: unknown[]) {
    if (type === 'transition') return;
    return (add as (...args: unknown[]) => void).call(this, type, ...rest);
  } as typeof add;
}

export interface Tab {
  page: Page;
  /** Uncaught errors in the page (each test asserts none). */
  errors: string[];
  /** Full document loads (a live update must not add one; SPA navigations do not count). */
  loads: () => number;
}

export async function newContext(
  browser: Browser,
  opts: { viewport?: { width: number; height: number }; clockShiftMs?: number; muteTransitions?: boolean } = {},
): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: opts.viewport ?? DESKTOP, locale: 'en-GB' });
  context.setDefaultTimeout(15_000);
  if (opts.clockShiftMs) await context.addInitScript(shiftDate, opts.clockShiftMs);
  if (opts.muteTransitions) await context.addInitScript(muteTransitions);
  await context.addInitScript(recorder);
  return context;
}

export async function open(context: BrowserContext, server: TestServer, urlPath: string): Promise<Tab> {
  const page = await context.newPage();
  const errors: string[] = [];
  let loads = 0;
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('load', () => {
    loads += 1;
  });
  await page.goto(`${server.url}${urlPath}`);
  return { page, errors, loads: () => loads };
}

/** Waits until the tab's live stream said `hello` (so its server clock is synced). */
export async function waitLive(page: Page): Promise<void> {
  await page.locator('[data-live="live"]').waitFor();
}

/** Sets a window marker that only a full reload would lose. */
export async function setMarker(page: Page): Promise<string> {
  const marker = `m${Math.random()}`;
  await page.evaluate((m) => {
    window.__marker = m;
  }, marker);
  return marker;
}

export const marker = (page: Page): Promise<string | undefined> => page.evaluate(() => window.__marker);

/** Signs in through the /login page, as a user would, in a new tab. */
export async function login(context: BrowserContext, server: TestServer, email: string, password: string): Promise<Tab> {
  const tab = await open(context, server, '/login');
  await signIn(tab.page, server, email, password);
  return tab;
}

/** Signs in through the /login page in a tab already open (a new tab costs a renderer's start). */
export async function signIn(page: Page, server: TestServer, email: string, password: string): Promise<void> {
  if (new URL(page.url()).pathname !== '/login') await page.goto(`${server.url}/login`);
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('button[type=submit]');
  await page.waitForURL(`${server.url}/`);
  await page.locator('header .session').getByText('Sign out').waitFor();
}

/**
 * Page clock (performance epoch) minus Node's clock, from the round trip with the smallest delay.
 * Node and the server read the same system clock, so Node's clock is the server's.
 */
export async function pageSkew(page: Page): Promise<number> {
  let best = { rtt: Number.POSITIVE_INFINITY, skew: 0 };
  for (let i = 0; i < 5; i++) {
    const t0 = Date.now();
    const p = await page.evaluate(() => performance.timeOrigin + performance.now());
    const t1 = Date.now();
    if (t1 - t0 < best.rtt) best = { rtt: t1 - t0, skew: p - (t0 + t1) / 2 };
  }
  return best.skew;
}

/** When `key` was first seen in the page, on Node's (= the server's) clock; waits for it. */
export async function seenAt(page: Page, key: string, timeout = 15_000): Promise<number> {
  // Polled from Node: page.waitForFunction's in-page polling stalls under a shifted `Date`.
  const deadline = Date.now() + timeout;
  for (;;) {
    const at = await page.evaluate((k) => window.__seen?.[k], key);
    if (at !== undefined) return at - (await pageSkew(page));
    if (Date.now() > deadline) throw new Error(`${key} not seen within ${timeout} ms`);
    await sleep(50);
  }
}

export const seen = (page: Page): Promise<Record<string, number>> => page.evaluate(() => ({ ...window.__seen }));

/**
 * A wall time in `zone` for `<input type="datetime-local">`: minute precision, plus seconds when
 * they are not zero (Chromium keeps `:ss` in the value; `:00` would be normalised away).
 */
export function wallTime(at: number, zone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const base = `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
  return parts.second === '00' ? base : `${base}:${parts.second}`;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
export const sleepUntil = (at: number): Promise<void> => sleep(Math.max(0, at - Date.now()));
export const iso = (ms: number): string => new Date(ms).toISOString();
export const minute = (ms: number): number => Math.floor(ms / 60_000) * 60_000;

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** The server suites' fixture: one way to create an event in every suite. */
export { createEvent } from '../../../server/test/support/fixtures.ts';
