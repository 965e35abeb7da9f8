/**
 * Every main page, at desktop (1280×800) and phone (390×844) width, on a server seeded with events
 * in several phases, a pending submission and a scheduler firing. Each page must render its
 * content with no error box, no uncaught error and nothing wider than the screen; a full-page
 * screenshot of each goes to test-results/screenshots/ for a human look.
 */
import type { Browser, BrowserContext } from 'playwright-core';
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
  type TestServer,
  waitLive,
  wallTime,
} from './support/browser.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let server: TestServer;
let browser: Browser;
let eventId = '';
let endsAt = 0;

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer(), launch()]);
  const now = Date.now();
  const soon = now + 1500;
  const base = minute(now);
  const firing = await createEvent(server, {
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
  });
  eventId = firing.id;
  endsAt = Date.parse(firing.endsAt);
  await createEvent(server, {
    title: 'Research seminar: time and distributed systems',
    venue: 'Library auditorium',
    timezone: 'Europe/Berlin',
    startsAt: iso(base - HOUR),
    endsAt: iso(base + 2 * HOUR),
  });
  await createEvent(server, {
    title: 'Alumni dinner',
    timezone: 'America/New_York',
    startsAt: iso(base - 3 * DAY),
    endsAt: iso(base - 3 * DAY + 3 * HOUR),
    certificatesOpenAt: iso(base - 2 * DAY),
    certificatesCloseAt: iso(base + 10 * DAY),
  });
  const organizer = { email: 'org@example.test', name: 'Olga Organizer', role: 'organizer', password: 'organizer-password-1' };
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
  let visitor: BrowserContext;
  let admin: BrowserContext;

  beforeAll(async () => {
    visitor = await newContext(browser, { viewport });
    admin = await newContext(browser, { viewport });
    await (await login(admin, server, ADMIN.email, ADMIN.password)).page.close();
  });

  afterAll(async () => {
    await visitor?.close();
    await admin?.close();
  });

  test.each(PAGES)('$name', async ({ name, path, ready, admin: needsAdmin }) => {
    const tab = await open(needsAdmin ? admin : visitor, server, path());
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
    await page.close();
  });
});
