/**
 * Issue 10 in the browser (Debian's Chromium against a real `kairos serve`):
 * - the built app runs under the server's Content-Security-Policy without a single violation on
 *   any page, while the policy really blocks what it should (an injected inline handler);
 * - a badge never shows a state older than the server's: with the tab's clock set minutes behind
 *   after it synced, and the machine loaded by a CPU-burning process, the badge flips when the
 *   server fires (its stream message), not when the skewed local clock would, and a page fetched
 *   afterwards shows the server's state at once; no badge ever goes back.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, test } from 'vitest';
import {
  ADMIN,
  createEvent,
  iso,
  launch,
  newContext,
  open,
  seenAt,
  signIn,
  sleep,
  startServer,
  stopAll,
  type Tab,
  type TestServer,
  waitLive,
} from './support/browser.ts';

const HOUR = 3_600_000;
/** The tab's clock falls this far behind after its stream synced it. */
const BEHIND_MS = 5 * 60_000;
const EARLY_TOLERANCE_MS = 50;

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer(), launch()]);
});

afterAll(async () => {
  await browser?.close();
  await stopAll();
});

declare global {
  interface Window {
    __csp: string[];
    __shiftMs: number;
    /** eventId → the phases its card's badge showed, in order (repeats collapsed). */
    __phases: Record<string, string[]>;
    __injected?: boolean;
  }
}

/** Runs before the app: records every CSP violation the page reports. */
function cspRecorder(): void {
  window.__csp = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__csp.push(`${e.effectiveDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
  });
}

/** A device clock that can be set back while the tab runs (`window.__shiftMs`), and every badge phase in order. */
function skewableClockAndPhases(): void {
  window.__shiftMs = 0;
  const RealDate = Date;
  const now = () => RealDate.now() + window.__shiftMs;
  globalThis.Date = new Proxy(RealDate, {
    construct: (target, args, newTarget) =>
      args.length === 0 ? Reflect.construct(target, [now()], newTarget) : Reflect.construct(target, args, newTarget),
    apply: () => new RealDate(now()).toString(),
    get: (target, key) => (key === 'now' ? now : Reflect.get(target, key)),
  });
  const phases: Record<string, string[]> = {};
  window.__phases = phases;
  const scan = () => {
    for (const b of document.querySelectorAll<HTMLElement>('li.card[data-event-id] .badge[data-phase]')) {
      const id = b.closest<HTMLElement>('li.card')?.dataset.eventId ?? '';
      const seq = phases[id] ?? [];
      phases[id] = seq;
      if (seq.at(-1) !== b.dataset.phase) seq.push(b.dataset.phase ?? '');
    }
  };
  new MutationObserver(scan).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
}

async function visit(tab: Tab, server: TestServer, path: string, ready: string): Promise<void> {
  await tab.page.goto(`${server.url}${path}`);
  await tab.page.locator(ready).first().waitFor();
  // Let late requests (queries, the stream) settle before judging.
  await tab.page.waitForLoadState('networkidle');
}

const violations = (page: Page): Promise<string[]> => page.evaluate(() => window.__csp);

/**
 * The two tests run at the same time, each in its own browser context: the policy test visits ten
 * pages (28 s of the file's 45, loaded) and judges no timing; the clock test mostly waits for its
 * boundary, and its bound is the server's message against a clock five minutes off, which the
 * policy test's load cannot blur (that test loads the machine on purpose anyway).
 */
describe.concurrent('Content-Security-Policy in the browser', () => {
  test('every page of the built app, and the API docs, run with no violation; an injected inline handler is blocked', async ({
    expect,
  }) => {
    const context = await newContext(browser);
    await context.addInitScript(cspRecorder);
    const consoleCsp: string[] = [];
    context.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) consoleCsp.push(m.text());
    });
    try {
      const event = await createEvent(server, {
        title: 'Under the policy',
        timezone: 'Asia/Kolkata',
        registrationOpensAt: iso(Date.now() - HOUR),
        registrationClosesAt: iso(Date.now() + 24 * HOUR),
        startsAt: iso(Date.now() + 48 * HOUR),
        endsAt: iso(Date.now() + 50 * HOUR),
      });
      const anon = await open(context, server, '/');
      await waitLive(anon.page);
      await anon.page.locator(`li.card[data-event-id="${event.id}"]`).waitFor();
      await visit(anon, server, `/events/${event.id}`, '.event-page .badge');
      // The same tab signs in (a new one took 1.5–3 s loaded); it is the admin's from here on.
      expect(anon.errors).toEqual([]);
      await signIn(anon.page, server, ADMIN.email, ADMIN.password);
      const tab = anon;
      const pages: Array<[string, string]> = [
        ['/', 'li.card'],
        [`/events/${event.id}`, '.event-page .badge'],
        [`/events/${event.id}/edit`, '#title'],
        ['/events/new', '#title'],
        ['/admin/approvals', 'h1'],
        ['/admin/scheduler', 'h1'],
        ['/admin/users', 'h1'],
        ['/docs', '.swagger-ui .info'],
      ];
      for (const [path, ready] of pages) {
        await visit(tab, server, path, ready);
        expect(await violations(tab.page), path).toEqual([]);
      }
      expect(tab.errors).toEqual([]);
      expect(consoleCsp).toEqual([]);

      // The policy is really on: an inline event handler slipped into the app's page does not run.
      await visit(tab, server, '/', 'li.card');
      await tab.page.evaluate(() => {
        document.body.insertAdjacentHTML('beforeend', '<img alt="" src="/nothing-here.png" onerror="window.__injected = true">');
      });
      await expect.poll(() => violations(tab.page)).toEqual([expect.stringMatching(/^script-src-attr /)]);
      expect(await tab.page.evaluate(() => window.__injected)).toBeUndefined();
    } finally {
      await context.close();
    }
  });
});

/** A CPU-burning process for at most `ms` (the machine loaded while the boundary passes). */
function burnCpu(ms: number): ChildProcess {
  return spawn(process.execPath, ['-e', `const end = Date.now() + ${ms}; while (Date.now() < end);`], { stdio: 'ignore' });
}

describe.concurrent('the browser never shows a state older than the server’s', () => {
  test('tab clock minutes behind, machine loaded: the badge flips when the server fires, a fetched page agrees, nothing goes back', async ({
    expect,
  }) => {
    const context = await newContext(browser);
    await context.addInitScript(skewableClockAndPhases);
    let burner: ChildProcess | null = null;
    try {
      const tab = await open(context, server, '/');
      await waitLive(tab.page);
      await tab.page.locator('h1', { hasText: 'Events' }).waitFor();
      // The stream's hello synced the tab; now its clock falls behind (a suspended laptop, an NTP step).
      await tab.page.evaluate((ms) => {
        window.__shiftMs = -ms;
      }, BEHIND_MS);
      const off = (await tab.page.evaluate(() => Date.now())) - Date.now();
      expect(Math.abs(off + BEHIND_MS)).toBeLessThan(1000);

      const opens = Date.now() + 5000;
      const event = await createEvent(server, {
        title: 'Clock behind',
        timezone: 'Pacific/Chatham',
        registrationOpensAt: iso(opens),
        registrationClosesAt: iso(opens + HOUR),
        startsAt: iso(opens + 2 * HOUR),
        endsAt: iso(opens + 3 * HOUR),
      });
      const card = tab.page.locator(`li.card[data-event-id="${event.id}"]`);
      await card.waitFor();
      expect(await card.locator('.badge').getAttribute('data-phase')).toBe('registration_not_started');

      burner = burnCpu(Math.max(1000, opens - Date.now() + 6000));
      const flipAt = await seenAt(tab.page, `badge:${event.id}:registration_open`, 30_000);
      const fired = (await server.api('GET', `/events/${event.id}/history`)).json.items.find(
        (h: { trigger: string | null }) => h.trigger === 'registration_open',
      );
      expect(fired).toBeTruthy();
      const firedAt = Date.parse(fired.at);
      console.info(
        `server fired ${firedAt - opens} ms after the boundary; the badge flipped ${Math.round(flipAt - firedAt)} ms after that`,
      );
      // Not before the boundary, and not five minutes later when the skewed clock would have: on the server's word.
      expect(flipAt).toBeGreaterThanOrEqual(opens - EARLY_TOLERANCE_MS);
      expect(flipAt).toBeLessThan(opens + BEHIND_MS / 2);
      // The tab's own clock is still before the boundary: only the server's message can have flipped it.
      expect(await tab.page.evaluate(() => Date.now())).toBeLessThan(opens);

      // A page fetched now (SPA navigation) shows the server's state at once, never the tab clock's.
      await card.locator('h3 a').click();
      const head = tab.page.locator('.event-page .page-head .badge');
      await head.waitFor();
      expect(await head.getAttribute('data-phase')).toBe('registration_open');
      expect(await tab.page.evaluate(() => Object.keys(window.__seen).filter((k) => k.startsWith('pagebadge:')))).toEqual([
        'pagebadge:registration_open',
      ]);
      // The registration form follows the same instant: open, as the server says.
      await tab.page.getByRole('button', { name: 'Register', exact: true }).waitFor();

      // Back to the list, and a while later: the badge never went back.
      await tab.page.goBack();
      await card.waitFor();
      await sleep(1500);
      expect(await card.locator('.badge').getAttribute('data-phase')).toBe('registration_open');
      expect(await tab.page.evaluate((id) => window.__phases[id], event.id)).toEqual([
        'registration_not_started',
        'registration_open',
      ]);
      expect(tab.errors).toEqual([]);
    } finally {
      burner?.kill('SIGKILL');
      await context.close();
    }
  });
});
