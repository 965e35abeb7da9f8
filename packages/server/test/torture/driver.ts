/**
 * The random client of the torture: a few concurrent workers issue creates, date-moving patches,
 * deletes, submits, approvals, declines, cancels, registrations and their cancellations, with
 * boundaries 0–10 s ahead so triggers keep falling due. Each answer updates the model; a write
 * on an event waits for the previous one on that event (so its history order is known).
 */
import { specState } from '../support/timeline.ts';
import type { Journal } from './journal.ts';
import { datesOf, type Model, type Role, type TrackedEvent, type Unresolved } from './model.ts';
import type { Rng } from './rng.ts';

export interface Targets {
  /** A live instance's base URL, or null while none is up. */
  pick(): string | null;
  tokens: Record<Role, string>;
}

type Op = () => Promise<void>;

export class Driver {
  private paused = false;
  private stopped = false;
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];
  private n = 0;
  private readonly workers: Promise<void>[] = [];

  constructor(
    private readonly model: Model,
    private readonly journal: Journal,
    private readonly targets: Targets,
    private readonly rng: Rng,
    private readonly maxEvents: number,
    /** Pause of each worker between its requests, [min, max] ms: a client's pace, not a benchmark's. */
    private readonly thinkMs: readonly [number, number] = [0, 40],
  ) {}

  start(workers: number): void {
    for (let i = 0; i < workers; i++) this.workers.push(this.work());
  }

  /** Stop issuing requests and wait until none is in flight. */
  async pause(): Promise<void> {
    this.paused = true;
    if (this.inFlight > 0) await new Promise<void>((r) => this.idleWaiters.push(r));
  }

  resume(): void {
    this.paused = false;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.workers);
  }

  private async work(): Promise<void> {
    while (!this.stopped) {
      const url = this.paused ? null : this.targets.pick();
      const op = url ? this.choose(url) : null;
      if (!op) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      this.inFlight += 1;
      try {
        await op();
      } finally {
        this.inFlight -= 1;
        if (this.inFlight === 0) for (const w of this.idleWaiters.splice(0)) w();
      }
      await new Promise((r) => setTimeout(r, this.rng.int(this.thinkMs[0], this.thinkMs[1])));
    }
  }

  /** Boundaries from a moment 0–4 s ahead (sometimes just past), then gaps of 0.15–1.5 s. */
  private dates(now: number, shape: { registration: boolean; certificates: boolean }): Record<string, string> {
    const r = this.rng;
    let t = now + (r.chance(0.15) ? -r.int(0, 3000) : r.int(300, 4000));
    const gap = () => r.int(150, 1500);
    const d: Record<string, number> = {};
    if (shape.registration) {
      d.registrationOpensAt = t;
      t += gap();
      d.registrationClosesAt = t;
      if (r.chance(0.5)) t += gap();
    }
    d.startsAt = t;
    t += gap();
    d.endsAt = t;
    if (shape.certificates) {
      if (r.chance(0.5)) t += gap();
      d.certificatesOpenAt = t;
      t += gap();
      d.certificatesCloseAt = t;
    }
    return Object.fromEntries(Object.entries(d).map(([k, v]) => [k, new Date(v).toISOString()]));
  }

  private capacity(): number | null {
    return this.rng.chance(0.3) ? null : this.rng.int(1, 3);
  }

  private tokenFor(e: TrackedEvent): string {
    return this.targets.tokens[e.owner];
  }

  private choose(url: string): Op | null {
    const r = this.rng;
    const idle = this.model.idle();
    const live = [...this.model.events.values()].filter((e) => !e.deleted).length;
    const of = (status: string) => idle.filter((e) => e.view.status === status);
    const open = idle.filter((e) => this.registrationOpen(e));
    // [weight, the events it may act on (null: needs none), the operation]
    const on = (events: TrackedEvent[], fn: (e: TrackedEvent) => Promise<void>): Op | null => {
      const e = r.pick(events);
      return e ? () => fn(e) : null;
    };
    const choices: Array<[number, Op | null]> = [
      [live < this.maxEvents ? 3 : 0.2, () => this.create(url)],
      [3, on(idle, (e) => this.patch(url, e))],
      [4, on(open.length && r.chance(0.85) ? open : idle, (e) => this.register(url, e))],
      [1.5, () => this.unregister(url)],
      [1, on(of('pending_approval'), (e) => this.decide(url, e, 'approve'))],
      [0.3, on(of('pending_approval'), (e) => this.decide(url, e, 'decline'))],
      [0.6, on(of('draft'), (e) => this.decide(url, e, 'submit'))],
      [0.4, on(idle, (e) => this.decide(url, e, 'cancel'))],
      [0.4, on(idle, (e) => this.remove(url, e))],
    ];
    const usable = choices.filter(([, op]) => op !== null);
    let x = r.float() * usable.reduce((s, [w]) => s + w, 0);
    for (const [w, op] of usable) {
      x -= w;
      if (x <= 0) return op;
    }
    return null;
  }

  private registrationOpen(e: TrackedEvent): boolean {
    if (!['upcoming'].includes(e.view.status) || e.view.registrationOpensAt === null) return false;
    return specState(datesOf(e.view), Date.now()).phase === 'registration_open';
  }

  private async create(url: string): Promise<void> {
    const r = this.rng;
    const owner: Role = r.chance(0.6) ? 'admin' : 'organizer';
    const title = `Torture ${++this.n} ${r.int(0, 1e9).toString(36)}`;
    const body: Record<string, unknown> = {
      title,
      ...this.dates(Date.now(), { registration: r.chance(0.75), certificates: r.chance(0.5) }),
      capacity: this.capacity(),
    };
    if (r.chance(0.12)) body.draft = true;
    const x = await this.journal.send('create', url, 'POST', '/events', { token: this.targets.tokens[owner], json: body });
    if (x.outcome === 'ack') this.model.adopt(x.answer, owner, x.n);
    else if (x.outcome === 'refused') this.model.refusedTitles.add(title);
    else this.model.unknownCreates.push({ title, owner, exchange: x.n });
  }

  /** A write on one event, serialised with the others on it; unknown outcomes park the event. */
  private async write(
    e: TrackedEvent,
    send: () => ReturnType<Journal['send']>,
    unresolved: Omit<Unresolved, 'exchange'>,
    onAck: (answer: unknown) => void,
  ): Promise<void> {
    e.busy = true;
    try {
      const x = await send();
      if (x.outcome === 'ack') {
        onAck(x.answer);
        const view = x.status === 204 ? e.view : x.answer;
        e.applied.push({ cause: unresolved.cause, causes: unresolved.causes, dates: datesOf(view), exchange: x.n });
      } else if (x.outcome === 'unknown') e.unresolved = { ...unresolved, exchange: x.n };
    } finally {
      e.busy = false;
    }
  }

  private patch(url: string, e: TrackedEvent): Promise<void> {
    const r = this.rng;
    const shape = { registration: e.view.registrationOpensAt !== null, certificates: e.view.certificatesOpenAt !== null };
    const json: Record<string, unknown> = {
      title: `Torture ${++this.n} moved ${r.int(0, 1e9).toString(36)}`,
      version: e.view.version,
    };
    if (r.chance(0.85)) Object.assign(json, this.dates(Date.now(), shape));
    // Capacity only grows (or becomes unlimited): what a shrink below the confirmed count should do is not specified.
    if (r.chance(0.3)) json.capacity = e.view.capacity === null || r.chance(0.2) ? null : e.view.capacity + r.int(0, 2);
    const send = () => this.journal.send('patch', url, 'PATCH', `/events/${e.id}`, { token: this.tokenFor(e), json });
    return this.write(e, send, { cause: 'edit', causes: ['edit'], patch: json }, (answer) => {
      e.view = answer;
    });
  }

  private decide(url: string, e: TrackedEvent, action: 'approve' | 'decline' | 'submit' | 'cancel'): Promise<void> {
    const token = action === 'approve' || action === 'decline' ? this.targets.tokens.admin : this.tokenFor(e);
    const json = action === 'decline' || action === 'cancel' ? { reason: `torture ${action}` } : {};
    const cause = { approve: 'approval', decline: 'decline', submit: 'edit', cancel: 'cancel' }[action];
    const causes = action === 'submit' ? ['edit', 'approval'] : [cause];
    const send = () => this.journal.send(action, url, 'POST', `/events/${e.id}/${action}`, { token, json });
    return this.write(e, send, { cause, causes, patch: null }, (answer) => {
      e.view = answer;
    });
  }

  private remove(url: string, e: TrackedEvent): Promise<void> {
    const send = () => this.journal.send('delete', url, 'DELETE', `/events/${e.id}`, { token: this.targets.tokens.admin });
    return this.write(e, send, { cause: 'delete', causes: ['delete'], patch: null }, () => {
      e.deleted = true;
    });
  }

  private async register(url: string, e: TrackedEvent): Promise<void> {
    const email = `a${++this.n}@torture.test`;
    const x = await this.journal.send('register', url, 'POST', `/events/${e.id}/registrations`, {
      json: { name: `Attendee ${this.n}`, email },
    });
    e.registrations.push({
      email,
      id: x.outcome === 'ack' ? x.answer.id : null,
      token: x.outcome === 'ack' ? x.answer.token : null,
      outcome: x.outcome,
      cancel: 'none',
    });
  }

  private async unregister(url: string): Promise<void> {
    const candidates = [...this.model.events.values()]
      .filter((e) => !e.deleted)
      .flatMap((e) => e.registrations.filter((g) => g.outcome === 'ack' && g.cancel === 'none'));
    const g = candidates.length ? this.rng.pick(candidates) : undefined;
    if (!g?.id || !g.token) return;
    g.cancel = 'unknown';
    const x = await this.journal.send('unregister', url, 'DELETE', `/registrations/${g.id}?token=${encodeURIComponent(g.token)}`);
    g.cancel = x.outcome;
  }
}
