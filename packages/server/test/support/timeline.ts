/**
 * Helpers for the timing suites (live, recovery, far future): the transitions SPEC §4's oracle
 * predicts (core/test/support/spec-oracle.ts, deliberately independent of @kairos/core, so a bug
 * in the shared lifecycle function cannot hide itself), plus small polling and history helpers.
 */
import { specState as oracleState, SPEC_TRIGGERS } from '../../../core/test/support/spec-oracle.ts';
import type { TestServer } from './server.ts';

export interface Dates {
  registrationOpensAt?: number;
  registrationClosesAt?: number;
  startsAt: number;
  endsAt: number;
  certificatesOpenAt?: number;
  certificatesCloseAt?: number;
}

export interface State {
  status: string;
  phase: string;
}

export interface ExpectedTransition {
  trigger: string;
  dueAt: number;
  from: State;
  to: State;
}

/** SPEC §4's table, row by row, for an approved, non-cancelled event: the one oracle the core tests use too. */
export const specState = (d: Dates, t: number): State => oracleState(d, t);

/**
 * The transitions the dates make after `since` (exclusive), in order. Tests use distinct
 * instants, so each transition names exactly one trigger.
 */
export function expectedTransitions(d: Dates, since: number): ExpectedTransition[] {
  const bounds = SPEC_TRIGGERS.flatMap(([field, trigger]) => {
    const at = d[field];
    return at === undefined || at <= since ? [] : [{ trigger, at }];
  }).sort((a, b) => a.at - b.at);
  const out: ExpectedTransition[] = [];
  let current = specState(d, since);
  for (const b of bounds) {
    const next = specState(d, b.at);
    if (next.status !== current.status || next.phase !== current.phase) {
      out.push({ trigger: b.trigger, dueAt: b.at, from: current, to: next });
      current = next;
    }
  }
  return out;
}

/** The request body for these dates (ISO instants; absent windows left out). */
export function datesBody(d: Dates): Record<string, string> {
  const body: Record<string, string> = {};
  for (const [field] of SPEC_TRIGGERS) {
    const at = d[field];
    if (at !== undefined) body[field] = new Date(at).toISOString();
  }
  return body;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** Sleep until the wall clock reaches `at` (epoch ms). */
export const sleepUntil = (at: number): Promise<void> => sleep(at - Date.now());

/** Poll `probe` until it returns a truthy value; throws after `timeoutMs`. */
export async function until<T>(
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs: number,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await sleep(100);
  }
}

// biome-ignore lint/suspicious/noExplicitAny: history entries are inspected field by field
export type Entry = any;

/** Every history entry of an event, all pages, oldest first (as admin). */
export async function fullHistory(server: TestServer, eventId: string): Promise<Entry[]> {
  const items: Entry[] = [];
  let cursor: string | null = null;
  for (;;) {
    const q: string = cursor ? `?limit=200&cursor=${encodeURIComponent(cursor)}` : '?limit=200';
    const r = await server.api('GET', `/events/${encodeURIComponent(eventId)}/history${q}`, { token: server.adminToken });
    if (r.status !== 200) throw new Error(`history ${eventId}: ${r.status} ${r.text}`);
    items.push(...r.json.items);
    cursor = r.json.nextCursor;
    if (!cursor) return items;
  }
}

/** The scheduler's upcoming triggers for one event (admin). */
export async function triggersOf(server: TestServer, eventId: string): Promise<Array<{ trigger: string; dueAt: string }>> {
  const r = await server.api('GET', '/scheduler', { token: server.adminToken });
  if (r.status !== 200) throw new Error(`scheduler: ${r.status} ${r.text}`);
  return (r.json.upcoming as Array<{ eventId: string; trigger: string; dueAt: string }>)
    .filter((t) => t.eventId === eventId)
    .map(({ trigger, dueAt }) => ({ trigger, dueAt }));
}

export const ms = (iso: string): number => Date.parse(iso);
