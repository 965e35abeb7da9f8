/**
 * The invariants the torture checks after every restart and at the end, from what the database
 * answers (read through the API as the admin, and `kairos doctor` on the database itself):
 * I4 every acknowledged write present with its data, nothing refused present; I3 each
 * (status, phase) change in history once, in order, as the oracle predicts between the writes;
 * I1 doctor clean; I2 stored status = lifecycle at now; waitlists consistent with capacity.
 */
import { DATE_FIELDS } from '@kairos/core';
import { runCli, type TestServer } from '../support/server.ts';
import { type Dates, type Entry, expectedTransitions, fullHistory, ms, type State, specState } from '../support/timeline.ts';
import { DATA_FIELDS, datesOf, type Model, TIME_DRIVEN, type TrackedEvent } from './model.ts';

/** A due trigger may fire this late on a loaded machine before its absence counts as lost. */
const FIRING_SLACK_MS = 5000;

export interface Tally {
  rounds: number;
  events: number;
  writes: number;
  transitions: number;
  registrations: number;
  doctor: number;
}

export const newTally = (): Tally => ({ rounds: 0, events: 0, writes: 0, transitions: 0, registrations: 0, doctor: 0 });

const same = (a: State | null | undefined, b: State | null | undefined) =>
  !!a && !!b && a.status === b.status && a.phase === b.phase;
const show = (s: State | null | undefined) => (s ? `${s.status}/${s.phase}` : 'null');
const USER_CAUSES = (h: Entry) => h.cause !== 'schedule' && h.cause !== 'recovery';
const instants = (d: Dates) => DATE_FIELDS.flatMap((f) => (d[f] === undefined ? [] : [d[f] as number]));

// biome-ignore lint/suspicious/noExplicitAny: API answers are read field by field
type Json = any;

async function get(server: TestServer, path: string): Promise<{ status: number; json: Json }> {
  const r = await server.api('GET', path, { token: server.adminToken });
  if (r.status >= 500) throw new Error(`GET ${path}: ${r.status} ${r.text}`);
  return { status: r.status, json: r.json };
}

async function allEvents(server: TestServer): Promise<Json[]> {
  const out: Json[] = [];
  for (let cursor: string | null = null; ; ) {
    const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const r = await get(server, `/events?limit=200${q}`);
    out.push(...r.json.items);
    cursor = r.json.nextCursor;
    if (!cursor) return out;
  }
}

async function registrationsOf(server: TestServer, id: string): Promise<Json[]> {
  const out: Json[] = [];
  for (let cursor: string | null = null; ; ) {
    const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const r = await get(server, `/events/${id}/registrations?limit=200${q}`);
    if (r.status !== 200) return out;
    out.push(...r.json.items);
    cursor = r.json.nextCursor;
    if (!cursor) return out;
  }
}

export class Checker {
  readonly tally = newTally();
  readonly violations: string[] = [];

  constructor(
    private readonly model: Model,
    private readonly database: string,
  ) {}

  private fail(what: string): void {
    this.violations.push(what);
  }

  /** One round: resolve what the crash left unknown, then check every event, then doctor. */
  async round(server: TestServer, doctor: boolean): Promise<void> {
    this.tally.rounds += 1;
    const listed = await allEvents(server);
    this.resolveCreates(listed);
    const pool = [...this.model.events.values()];
    const workers = Array.from({ length: 4 }, async () => {
      for (let e = pool.shift(); e; e = pool.shift()) await this.event(server, e);
    });
    // Doctor (a CLI start: seconds on a loaded machine) runs beside the API checks.
    await Promise.all([...workers, doctor ? this.doctor() : null]);
  }

  private async doctor(): Promise<void> {
    // 180 s: at load average 26 one doctor run in the long torture outlived a 60 s limit (killed, no output).
    const doctor = await runCli(['doctor', '--json'], { KAIROS_DB: this.database }, 180_000);
    this.tally.doctor += 1;
    if (doctor.code !== 0)
      this.fail(`doctor exit ${doctor.code}: ${doctor.stdout.slice(0, 2000)} ${doctor.stderr.slice(0, 500)}`);
  }

  private resolveCreates(listed: Json[]): void {
    const byTitle = new Map(listed.map((v) => [v.title as string, v]));
    for (const u of this.model.unknownCreates.splice(0)) {
      const v = byTitle.get(u.title);
      // Created before the crash and not yet touched: its current dates are the create's.
      if (v) this.model.adopt(v, u.owner, u.exchange);
      else this.model.refusedTitles.add(u.title);
    }
    for (const v of listed) {
      if (this.model.refusedTitles.has(v.title)) this.fail(`${v.id}: a refused create exists (${v.title})`);
      if (!this.model.events.has(v.id)) this.fail(`${v.id}: an event nobody created (${v.title})`);
    }
  }

  private async event(server: TestServer, e: TrackedEvent): Promise<void> {
    const t0 = Date.now();
    const read = await get(server, `/events/${e.id}`);
    const history = await fullHistory(server, e.id);
    const t1 = Date.now();
    if (e.unresolved) this.resolve(e, read, history);
    this.tally.events += 1;
    this.history(e, history, t1);
    if (e.deleted) {
      if (read.status !== 404) this.fail(`${e.id}: deleted (acknowledged) but answers ${read.status}`);
      return;
    }
    if (read.status !== 200) {
      this.fail(`${e.id}: acknowledged but answers ${read.status}`);
      return;
    }
    this.data(e, read.json);
    this.stored(e, read.json, t0, t1);
    await this.registrations(server, e, read.json);
  }

  /** The write whose answer never came: applied or not, decided by the history's user entries. */
  private resolve(e: TrackedEvent, read: { status: number; json: Json }, history: Entry[]): void {
    const u = e.unresolved;
    if (!u) return;
    e.unresolved = null;
    const users = history.filter(USER_CAUSES);
    if (users.length === e.applied.length) return;
    const last = users.at(-1);
    if (users.length !== e.applied.length + 1 || !last || !u.causes.includes(last.cause)) {
      this.fail(`${e.id}: after an unanswered ${u.cause}, history has ${users.map((h: Entry) => h.cause).join(',')}`);
      return;
    }
    if (u.cause === 'delete') e.deleted = true;
    else if (read.status === 200) {
      for (const [k, v] of Object.entries(u.patch ?? {})) {
        if (k !== 'version' && read.json[k] !== v) this.fail(`${e.id}: half-applied ${u.cause}: ${k}=${read.json[k]} sent ${v}`);
      }
      e.view = read.json;
    }
    e.applied.push({ cause: last.cause, causes: u.causes, dates: datesOf(e.view), exchange: u.exchange });
  }

  /** I3: the history is the writes we know, and between them exactly the oracle's transitions. */
  private history(e: TrackedEvent, history: Entry[], checkedAt: number): void {
    const users = history.filter(USER_CAUSES);
    if (users.length !== e.applied.length) {
      const want = e.applied.map((a) => a.cause).join(',');
      this.fail(`${e.id}: history has writes ${users.map((h: Entry) => h.cause).join(',')}, acknowledged ${want}`);
      return;
    }
    this.tally.writes += users.length;
    history.forEach((h: Entry, i: number) => {
      const prev = history[i - 1];
      if (prev && (h.seq <= prev.seq || !same(h.from, prev.to)))
        this.fail(`${e.id}: history seq ${h.seq} from ${show(h.from)} after ${show(prev.to)} (seq ${prev.seq})`);
    });
    users.forEach((u: Entry, i: number) => {
      const a = e.applied[i];
      if (!a) return;
      if (!a.causes.includes(u.cause)) this.fail(`${e.id}: write ${i} recorded as ${u.cause}, sent as ${a.cause}`);
      const next = users[i + 1];
      const fired = history.slice(history.indexOf(u) + 1, next ? history.indexOf(next) : history.length);
      this.segment(e.id, u, a.dates, fired, next ? ms(next.at) : checkedAt);
    });
  }

  /** The transitions fired after write `u` (until the next write): a prefix of the oracle's, all due ones present. */
  private segment(id: string, u: Entry, dates: Dates, fired: Entry[], until: number): void {
    const at = ms(u.at);
    if (u.cause === 'delete' || !TIME_DRIVEN.includes(u.to.status)) {
      if (fired.length) this.fail(`${id}: ${fired.length} transition(s) fired after ${u.cause} (${u.to.status})`);
      return;
    }
    if (!same(u.to, specState(dates, at)))
      this.fail(`${id}: ${u.cause} left ${show(u.to)}, dates say ${show(specState(dates, at))}`);
    const want = expectedTransitions(dates, at);
    const iso = (t: number) => new Date(t).toISOString();
    fired.forEach((h: Entry, k: number) => {
      const w = want[k];
      this.tally.transitions += 1;
      // Two boundaries at one instant make one transition, named after either.
      const sameInstant = instants(dates).filter((x) => x === ms(h.dueAt)).length;
      if (!w || ms(h.dueAt) !== w.dueAt || !same(h.to, w.to) || (sameInstant === 1 && h.trigger !== w.trigger))
        this.fail(
          `${id}: fired ${h.trigger}@${h.dueAt}→${show(h.to)}, expected ${w ? `${w.trigger}@${iso(w.dueAt)}→${show(w.to)}` : 'nothing'}`,
        );
      if (ms(h.at) < ms(h.dueAt)) this.fail(`${id}: ${h.trigger} fired early at ${h.at} (due ${h.dueAt})`);
      if (h.lateMs !== ms(h.at) - ms(h.dueAt)) this.fail(`${id}: lateMs ${h.lateMs} ≠ at − dueAt`);
    });
    for (const w of want.slice(fired.length)) {
      if (w.dueAt < until - FIRING_SLACK_MS)
        this.fail(`${id}: ${w.trigger}@${iso(w.dueAt)} never fired (next write or check ${iso(until)})`);
    }
  }

  /** I4: what the last acknowledged write answered is what is stored. */
  private data(e: TrackedEvent, stored: Json): void {
    for (const f of DATA_FIELDS) {
      if (stored[f] !== e.view[f]) this.fail(`${e.id}: ${f} is ${stored[f]}, last acknowledged ${e.view[f]}`);
    }
    const workflow = !TIME_DRIVEN.includes(e.view.status);
    if (workflow ? stored.status !== e.view.status : !TIME_DRIVEN.includes(stored.status))
      this.fail(`${e.id}: status ${stored.status}, last acknowledged ${e.view.status}`);
  }

  /** I2: the stored state is the lifecycle at some instant of the read (minus the firing slack). */
  private stored(e: TrackedEvent, stored: Json, t0: number, t1: number): void {
    if (!TIME_DRIVEN.includes(stored.status)) return;
    const d = datesOf(stored);
    const from = t0 - FIRING_SLACK_MS;
    const candidates = [from, t1, ...instants(d).filter((x) => x > from && x <= t1)];
    if (!candidates.some((t) => same(stored, specState(d, t))))
      this.fail(`${e.id}: stored ${show(stored)}, lifecycle says ${show(specState(d, t1))}`);
  }

  /** SPEC §11: acknowledged registrations and cancellations present, refused ones absent, waitlist consistent. */
  private async registrations(server: TestServer, e: TrackedEvent, event: Json): Promise<void> {
    if (e.registrations.length === 0) return;
    const rows = await registrationsOf(server, e.id);
    const byEmail = new Map(rows.map((r) => [r.email as string, r]));
    for (const g of e.registrations) {
      const row = byEmail.get(g.email);
      this.tally.registrations += 1;
      if (g.outcome === 'unknown') {
        g.outcome = row ? 'ack' : 'refused';
        g.id = row?.id ?? null;
      }
      if (g.outcome === 'refused') {
        if (row) this.fail(`${e.id}: refused registration ${g.email} exists (${row.status})`);
        continue;
      }
      if (!row || row.id !== g.id) {
        this.fail(`${e.id}: acknowledged registration ${g.email} missing`);
        continue;
      }
      if (g.cancel === 'unknown') g.cancel = row.status === 'cancelled' ? 'ack' : 'refused';
      if (g.cancel === 'ack' && row.status !== 'cancelled') this.fail(`${e.id}: cancelled ${g.email} is ${row.status}`);
      if (g.cancel !== 'ack' && row.status === 'cancelled') this.fail(`${e.id}: ${g.email} cancelled by nobody`);
    }
    const known = new Set(e.registrations.map((g) => g.email));
    for (const r of rows) if (!known.has(r.email)) this.fail(`${e.id}: registration ${r.email} nobody made`);
    const confirmed = rows.filter((r) => r.status === 'confirmed').length;
    const positions = rows
      .filter((r) => r.status === 'waitlisted')
      .map((r) => r.position as number)
      .sort((a, b) => a - b);
    if (event.capacity !== null && confirmed > event.capacity)
      this.fail(`${e.id}: ${confirmed} confirmed, capacity ${event.capacity}`);
    if (positions.some((p, i) => p !== i + 1)) this.fail(`${e.id}: waitlist positions ${positions.join(',')}`);
    if (positions.length > 0 && (event.capacity === null || confirmed < event.capacity))
      this.fail(`${e.id}: ${positions.length} waitlisted with ${confirmed}/${event.capacity} places taken`);
    // Waitlists expire at registration close; a trigger may be firing right now (slack).
    const closed = event.registrationClosesAt && ms(event.registrationClosesAt) < Date.now() - FIRING_SLACK_MS;
    if (positions.length > 0 && (closed || event.phase !== 'registration_open'))
      this.fail(`${e.id}: ${positions.length} still waitlisted in ${event.status}/${event.phase}`);
  }
}
