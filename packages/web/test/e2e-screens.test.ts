/**
 * Every main page, at desktop (1280×800) and phone (390×844) width, on a server seeded with events
 * in several phases, a pending submission and a scheduler firing. Each page must render its
 * content with no error box, no uncaught error and nothing wider than the screen; a full-page
 * screenshot of each goes to test-results/screenshots/ for a human look.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ADMIN,
  createEvent,
  DESKTOP,
  iso,
  launch,
  login,
  minute,
  newContext,
  open,
  PHONE,
  screenshot,
  sleepUntil,
  startServer,
  stopAll,
  type Tab,
  type TestServer,
  waitLive,
  wallTime,
} from './support/browser.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let server: TestServer;
let browser: Browser;
/**
 * One visitor tab and one signed-in admin tab for every page at both widths, each visit a full
 * document load: a new tab per page cost 2–3 s a page (a renderer process starting cold), a
 * navigation 0.5–1.5 s; with one sign-in instead of two, the file went from 50 to about 25 s of tests.
 */
let visitor: Tab;
let admin: Tab;
let eventId = '';
let endsAt = 0;

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer(), launch()]);
  // The two tabs open while the events are seeded, and the events are created at once: none
  // depends on another (one after the other, the seeding came after the tabs, 2–4 s loaded).
  const tabs = (async () => {
    const [visitorContext, adminContext] = await Promise.all([newContext(browser), newContext(browser)]);
    return Promise.all([open(visitorContext, server, '/login'), login(adminContext, server, ADMIN.email, ADMIN.password)]);
  })();
  const now = Date.now();
  const soon = now + 1500;
  const base = minute(now);
  const organizer = { email: 'org@example.test', name: 'Olga Organizer', role: 'organizer', password: 'organizer-password-1' };
  const [firing] = await Promise.all([
    createEvent(server, {
      title: 'Spring hackathon',
      description: 'Two days of building things with friends. Bring a laptop; food is on us.',
      venue: 'Engineering block, room 101',
      timezone: 'Asia/Kolkata',
      capacity: 80,
      registrationOpensAt: iso(soon),
      registrationClosesAt: iso(base + 3 * DAY),
      startsAt: iso(base + 5 * DAY),
      endsAt: iso(base + 6 * DAY),
      certificatesOpenAt: iso(base + 7 * DAY),
      certificatesCloseAt: iso(base + 30 * DAY),
    }),
    createEvent(server, {
      title: 'Research seminar: time and distributed systems',
      venue: 'Library auditorium',
      timezone: 'Europe/Berlin',
      startsAt: iso(base - HOUR),
      endsAt: iso(base + 2 * HOUR),
    }),
    createEvent(server, {
      title: 'Alumni dinner',
      timezone: 'America/New_York',
      startsAt: iso(base - 3 * DAY),
      endsAt: iso(base - 3 * DAY + 3 * HOUR),
      certificatesOpenAt: iso(base - 2 * DAY),
      certificatesCloseAt: iso(base + 10 * DAY),
    }),
    (async () => {
      expect((await server.api('POST', '/users', { token: server.adminToken, json: organizer })).status).toBe(201);
      const orgToken = await server.login(organizer.email, organizer.password);
      await createEvent(
        server,
        {
          title: 'Community garden day',
          venue: 'North lawn',
          timezone: 'UTC',
          startsAt: iso(base + 9 * DAY),
          endsAt: iso(base + 9 * DAY + 4 * HOUR),
        },
        orgToken,
      );
    })(),
  ]);
  eventId = firing.id;
  endsAt = Date.parse(firing.endsAt);
  [visitor, admin] = await tabs;
  await sleepUntil(soon + 300); // one firing for the scheduler page
});

afterAll(async () => {
  await browser?.close();
  await stopAll();
});

/** Path, what shows the page has its content, and whether it needs the admin. */
const PAGES: Array<{ name: string; path: () => string; ready: string; admin: boolean }> = [
  { name: 'list', path: () => '/', ready: 'li.card', admin: false },
  { name: 'event', path: () => `/events/${eventId}`, ready: '.timeline .step-current', admin: true },
  { name: 'form-new', path: () => '/events/new', ready: '#title', admin: true },
  { name: 'form-edit', path: () => `/events/${eventId}/edit`, ready: '#startsAt', admin: true },
  { name: 'login', path: () => '/login', ready: '#email', admin: false },
  { name: 'approvals', path: () => '/admin/approvals', ready: 'li.card[data-event-id]', admin: true },
  { name: 'scheduler', path: () => '/admin/scheduler', ready: 'table.recent td[data-late-ms]', admin: true },
  { name: 'users', path: () => '/admin/users', ready: 'table tbody tr', admin: true },
];

describe.each([
  ['desktop', DESKTOP],
  ['phone', PHONE],
] as const)('every main page renders at %s width', (label, viewport) => {
  beforeAll(async () => {
    await Promise.all([visitor.page.setViewportSize(viewport), admin.page.setViewportSize(viewport)]);
  });

  test.each(PAGES)('$name', async ({ name, path, ready, admin: needsAdmin }) => {
    const tab = needsAdmin ? admin : visitor;
    // A full document load at this width, in a tab that stays open.
    tab.errors.length = 0;
    await tab.page.goto(`${server.url}${path()}`);
    const { page } = tab;
    await waitLive(page);
    await page.locator(ready).first().waitFor();
    await page.locator('main h1').first().waitFor();
    if (name === 'form-edit') {
      // Show the edit preview too: move the end by a day.
      await page.fill('#endsAt', wallTime(endsAt + DAY, 'Asia/Kolkata'));
      await page.locator('.preview li').first().waitFor();
    }
    await page.evaluate(() => document.fonts.ready);
    await screenshot(page, `${name}-${label}`);

    expect(await page.locator('.error-box').count(), 'error box shown').toBe(0);
    expect(await page.getByText('This page does not exist').count()).toBe(0);
    expect(tab.errors).toEqual([]);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, 'page wider than the screen').toBeLessThanOrEqual(0);
  });
});
