/**
 * The live hub: every committed history entry becomes one stream message (SPEC §7).
 *
 * Fan-out works per audience, not per client: clients are grouped by what they may read
 * (public; each organizer; admin), so for each commit the visibility decision and the frame
 * text are computed once per audience, and each client gets the commit's frames for its
 * audience as one socket write. Batched firing puts hundreds of entries in one commit, and
 * 10 000 clients mostly share the public audience, so the per-client cost is one `write`.
 *
 * Entries go out strictly in `seq` order, each once. With one writer (SQLite) this process's
 * commits are sent as they commit; entries another process wrote (`kairos doctor --fix`) are read
 * from the history when the store notices that commit, or when a later commit of ours shows a
 * gap in `seq`. Where writes overlap (PostgreSQL) a higher `seq` can commit before a lower one,
 * so entries go out only up to the store's `settled` bound: ours from the commit's effects,
 * others' read from the history (`publishSettled`).
 *
 * A stream is a resource (SPEC §7): the hub admits at most `maxPerClient` streams per address
 * and `maxStreams` in all, and a stream opened with a session ends when the session does.
 */
import { canManageAttendees, liveTypeOf, NO_REGISTRATIONS, type RegistrationCounts, type Viewer } from '@kairos/core';
import type { Clock } from '../clock.ts';
import type { Store } from '../db/store.ts';
import type { Effects } from '../db/unit-of-work.ts';
import type { OpenSession, SessionEnd, SessionGuard } from '../features/auth/auth.service.ts';
import type { EventRecord } from '../features/events/event.record.ts';
import { findEvents } from '../features/events/events.repository.ts';
import type { HistoryRecord } from '../features/history/history.record.ts';
import { historySince, lastSeq } from '../features/history/history.repository.ts';
import { toRegistrationMessage } from '../features/registrations/registration.view.ts';
import { registrationCounts } from '../features/registrations/registrations.repository.ts';
import type { Metrics } from '../ops/metrics.ts';
import { SerialPasses } from '../serial-passes.ts';
import { type Batch, canSeeEntry, frame, HEARTBEAT, type Outgoing, outgoing, toBatch } from './frames.ts';
import { toLiveMessage } from './messages.ts';
import { SessionTimers } from './session-timers.ts';

export { canSeeEntry, frame } from './frames.ts';

export interface LiveClient {
  readonly viewer: Viewer;
  /** The connection's address (caps count per address). */
  readonly address: string;
  /** The session the stream was opened with; null for public streams. */
  readonly session: OpenSession | null;
  /** Hand over a batch of framed messages (one socket write). */
  deliver(batch: Batch): void;
  /** Bytes handed over and not yet taken by the connection. */
  pending(): number;
  /** Resolves when the connection has taken what it was handed (or closed). */
  drained(): Promise<void>;
  /** End the connection, telling the client when to come back. */
  end(retryMs: number): void;
}

export interface HubOptions {
  maxStreams: number;
  maxPerClient: number;
  heartbeatMs?: number;
}

interface Audience {
  viewer: Viewer;
  clients: Set<LiveClient>;
}

const audienceOf = (v: Viewer): string => (v.role === 'public' ? 'public' : v.role === 'admin' ? 'admin' : `user:${v.userId}`);

const CATCH_UP_PAGE = 500;
/**
 * Between catch-up pages, clients with more than this unsent are given time to read it, at most
 * `PACE_MS` per page: a client that reads gets a burst of any size (another process committing
 * 8 000 entries at once) without being dropped as slow, and one that stopped reading holds the
 * others back by at most that long per page before it is dropped as usual.
 */
const PACE_BYTES = 64 * 1024;
const PACE_MS = 1000;
const HISTORY_SEQUENCE = 'history_seq_seq';
/**
 * With no client listening, the settled bound is read at most this often (see `settle`). Nobody
 * waits for it: a client that connects starts a pass at once. At 100 ms, three instances taking
 * writes spent 0.4 statements per write on it (bench/statements-probe.ts).
 */
const IDLE_SETTLE_MS = 500;
/** After a failed read of the settled bound (the database unreachable), look again this soon. */
const SETTLE_RETRY_MS = 1000;

type HeldEntry = Effects['entries'][number];

/** A closed session's stream comes back soon, as whatever its cookie or token now allows. */
const SESSION_END_RETRY_MS = 1000;

/** A page of the history with what its messages need: the events and counts of the entries not held. */
interface HistoryPage {
  page: HistoryRecord[];
  events: Map<string, EventRecord>;
  counts: Map<string, RegistrationCounts>;
}

export class LiveHub {
  private readonly audiences = new Map<string, Audience>();
  private readonly perAddress = new Map<string, number>();
  private count = 0;
  private heartbeat: NodeJS.Timeout | null = null;
  private readonly timers: SessionTimers<LiveClient>;
  private readonly unsubscribers: Array<() => void> = [];
  /** The highest history seq fanned out so far. */
  private published = 0;
  /** Work that must wait for a catch-up read, in order; null when nothing waits. */
  private queue: Promise<void> | null = null;
  /** Overlapping writes: this process's committed entries not yet settled, by seq. */
  private readonly held = new Map<number, HeldEntry>();
  /** Overlapping writes with no client: the pass `settle` put off. */
  private idleSettle: NodeJS.Timeout | null = null;
  /** Overlapping writes: a commit's registration changes, sent after its last entry. */
  private readonly heldChanges = new Map<number, Effects['registrations']>();
  private readonly settling = new SerialPasses(
    () => this.publishSettled(),
    (error) => {
      process.emitWarning(`live hub catch-up failed: ${error instanceof Error ? error.message : String(error)}`);
      setTimeout(() => this.settling.wake(), SETTLE_RETRY_MS).unref();
    },
    () => true,
  );

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
    private readonly options: HubOptions,
    private readonly sessions: SessionGuard | null = null,
  ) {
    this.timers = new SessionTimers(clock, (c) => this.endClient(c, SESSION_END_RETRY_MS));
    this.unsubscribers.push(
      store.onCommit((effects) => (store.ordered ? this.publish(effects) : this.hold(effects))),
      store.onExternalCommit((notice) => {
        if (notice && !notice.history) return;
        if (store.ordered) this.enqueue(() => this.catchUp(Number.POSITIVE_INFINITY));
        else this.settle();
      }),
    );
    if (sessions) this.unsubscribers.push(sessions.onEnd((end) => this.endSessions(end)));
  }

  /** Start from the history as it is: entries written before this process started are replay's job. */
  async init(): Promise<void> {
    this.published = this.store.ordered ? await lastSeq(this.store.db) : await this.store.settled(HISTORY_SEQUENCE);
  }

  /** The highest seq fanned out: every entry up to it is final, and each later one will come through `add`'s clients. */
  get publishedSeq(): number {
    return this.published;
  }

  get size(): number {
    return this.count;
  }

  /** Why one more stream from this address must wait, or null when it may open. */
  refusal(address: string): string | null {
    if (this.count >= this.options.maxStreams) return 'the server holds as many live streams as it allows';
    if ((this.perAddress.get(address) ?? 0) >= this.options.maxPerClient) {
      return `at most ${this.options.maxPerClient} live streams per client address`;
    }
    return null;
  }

  /** Register a client (after `refusal` said yes); the returned function removes it, once. */
  add(client: LiveClient): () => void {
    const key = audienceOf(client.viewer);
    let audience = this.audiences.get(key);
    if (!audience) {
      audience = { viewer: client.viewer, clients: new Set() };
      this.audiences.set(key, audience);
    }
    audience.clients.add(client);
    this.count++;
    // Where writes overlap, the bound may lag while no client listened: publish up to it now.
    if (!this.store.ordered) {
      if (this.idleSettle) clearTimeout(this.idleSettle);
      this.idleSettle = null;
      this.settling.wake();
    }
    this.perAddress.set(client.address, (this.perAddress.get(client.address) ?? 0) + 1);
    this.metrics.streamClients.set(this.count);
    if (client.session) this.timers.set(client, client.session.expiresAt);
    // One timer for all clients: a comment line keeps proxies from closing idle streams.
    this.heartbeat ??= setInterval(() => this.beat(), this.options.heartbeatMs ?? 15_000);
    return () => this.remove(client);
  }

  private remove(client: LiveClient): void {
    const key = audienceOf(client.viewer);
    const audience = this.audiences.get(key);
    if (!audience?.clients.delete(client)) return;
    if (audience.clients.size === 0) this.audiences.delete(key);
    this.count--;
    const n = (this.perAddress.get(client.address) ?? 1) - 1;
    if (n === 0) this.perAddress.delete(client.address);
    else this.perAddress.set(client.address, n);
    this.timers.clear(client);
    this.metrics.streamClients.set(this.count);
    if (this.count === 0 && this.heartbeat) {
      clearInterval(this.heartbeat);
      this.heartbeat = null;
    }
  }

  private endClient(client: LiveClient, retryMs: number): void {
    client.end(retryMs);
    this.remove(client);
  }

  private *signedIn(): Generator<LiveClient> {
    for (const [key, audience] of this.audiences) if (key !== 'public') yield* audience.clients;
  }

  /** A session or a user's rights ended in this process: its streams end now. */
  private endSessions(end: SessionEnd): void {
    const hit = (c: LiveClient) => ('sessionId' in end ? c.session?.id === end.sessionId : c.session?.userId === end.userId);
    for (const c of [...this.signedIn()].filter(hit)) this.endClient(c, SESSION_END_RETRY_MS);
  }

  private beat(): void {
    for (const audience of this.audiences.values()) for (const c of audience.clients) c.deliver(HEARTBEAT);
    void this.revalidate();
  }

  /**
   * Sessions ended elsewhere (logout through another instance, a user removed by another
   * process) are noticed here, at the heartbeat: one query for all signed-in streams.
   */
  private async revalidate(): Promise<void> {
    const clients = [...this.signedIn()];
    if (!this.sessions || clients.length === 0) return;
    try {
      const valid = await this.sessions.stillValid(clients.flatMap((c) => (c.session ? [c.session] : [])));
      for (const c of clients) if (!c.session || !valid.has(c.session.id)) this.endClient(c, SESSION_END_RETRY_MS);
    } catch (error) {
      process.emitWarning(`live hub session check failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Called synchronously after each commit, in commit order. */
  private publish(effects: Effects): void {
    const first = effects.entries[0]?.entry.seq;
    // The common case, sent at once: nothing waits and no other process committed in between.
    if (this.queue === null && (first === undefined || first === this.published + 1)) {
      this.send(effects);
      return;
    }
    this.enqueue(async () => {
      if (first !== undefined) await this.catchUp(first - 1);
      this.send(effects);
    });
  }

  private enqueue(task: () => Promise<void>): void {
    const run = (this.queue ?? Promise.resolve()).then(task).catch((error: unknown) => {
      process.emitWarning(`live hub catch-up failed: ${error instanceof Error ? error.message : String(error)}`);
    });
    this.queue = run;
    void run.then(() => {
      if (this.queue === run) this.queue = null;
    });
  }

  /** Overlapping writes: keep a commit's entries until the bound passes them. */
  private hold(effects: Effects): void {
    const last = effects.entries.at(-1)?.entry.seq;
    if (last === undefined || last <= this.published) {
      // Registration changes alone carry no seq: nothing to order them against. (Entries already
      // published — read from the history by a pass that ran before this listener — are not sent twice.)
      this.send({ ...effects, entries: [] });
      return;
    }
    for (const held of effects.entries) if (held.entry.seq > this.published) this.held.set(held.entry.seq, held);
    if (effects.registrations.length > 0) this.heldChanges.set(last, effects.registrations);
    this.settle();
  }

  /**
   * Overlapping writes: publish up to the settled bound — at once while clients listen; with none,
   * at most every `IDLE_SETTLE_MS` (each pass costs a read of the bound, and under load a pass
   * per commit was a tenth of an instance's statements). A client that connects meanwhile replays
   * up to `publishedSeq` and gets the rest from the next pass, which its arrival starts.
   */
  private settle(): void {
    if (this.count > 0) {
      this.settling.wake();
      return;
    }
    this.idleSettle ??= setTimeout(() => {
      this.idleSettle = null;
      this.settling.wake();
    }, IDLE_SETTLE_MS);
  }

  /**
   * Publish every entry up to the settled bound, in seq order: this process's from what its
   * commits held back (the event as it read after each write), the rest read from the history.
   * A seq with no row (a rolled-back write's) is skipped once the bound has passed it.
   */
  private async publishSettled(): Promise<void> {
    if (this.count === 0 && (await this.idlePass())) return;
    const bound = await this.store.settled(HISTORY_SEQUENCE);
    // The next page of the history is read while this one is sent (a burst fired by other
    // instances is thousands of entries, a few pages).
    let next: Promise<HistoryPage> | null = null;
    while (this.published < bound) {
      const out: Outgoing[] = [];
      while (this.published < bound && this.held.has(this.published + 1)) this.takeHeld(out, this.published + 1);
      if (this.published < bound) {
        // Not ours, or not there: read what committed after it, up to the bound.
        const read = await (next ?? this.readPage(this.published));
        next = null;
        const page = read.page.filter((h) => h.seq <= bound);
        const last = read.page.at(-1)?.seq ?? 0;
        if (read.page.length === CATCH_UP_PAGE && last < bound) next = this.readPage(last);
        this.takeFromHistory(out, page, read);
        if (page.length < CATCH_UP_PAGE) {
          for (const seq of [...this.held.keys()].sort((a, b) => a - b)) if (seq <= bound) this.takeHeld(out, seq);
          this.published = Math.max(this.published, bound);
        }
      }
      this.fanOut(out);
      if (this.published < bound) await this.pace();
    }
    // A page read ahead that the loop did not need (held entries covered it): let it settle.
    await next?.catch(() => {});
  }

  /** History after `after`, one page, with the events and counts of the entries not held here. */
  private async readPage(after: number): Promise<HistoryPage> {
    const page = await historySince(this.store.db, after, CATCH_UP_PAGE);
    const theirs = page.filter((h) => !this.held.has(h.seq)).map((h) => h.eventId);
    const [events, counts] = await Promise.all([findEvents(this.store.db, theirs), registrationCounts(this.store.db, theirs)]);
    return { page, events, counts };
  }

  /**
   * No client to send to: nothing to read, only the bound to keep fresh (one round trip, no
   * waiting: `settledSoFar`). A client that connects after this replays up to the new
   * `publishedSeq` (the stream reads it page by page), so it misses nothing either. False when a
   * client arrived meanwhile: then the pass publishes as usual.
   */
  private async idlePass(): Promise<boolean> {
    const bound = await this.store.settledSoFar(HISTORY_SEQUENCE);
    if (this.count > 0) return false;
    if (bound !== null) {
      for (const seq of this.held.keys()) if (seq <= bound) this.held.delete(seq);
      for (const seq of this.heldChanges.keys()) if (seq <= bound) this.heldChanges.delete(seq);
      this.published = Math.max(this.published, bound);
    }
    // Commits this look could not yet call settled: look again, even if no other commit comes.
    if (bound === null || this.held.size > 0) this.settle();
    return true;
  }

  private takeHeld(out: Outgoing[], seq: number): void {
    const held = this.held.get(seq);
    this.held.delete(seq);
    if (held) this.take(out, held.entry, held.event as EventRecord | null, held.counts);
    const changes = this.heldChanges.get(seq);
    if (!changes) return;
    this.heldChanges.delete(seq);
    for (const change of changes) out.push(registrationFrame(change));
  }

  /** Entries read from the history (seq order): ours as held, the rest with the event as it read. */
  private takeFromHistory(out: Outgoing[], page: HistoryRecord[], read: HistoryPage): void {
    for (const h of page) {
      if (this.held.has(h.seq)) {
        this.takeHeld(out, h.seq);
        continue;
      }
      const event = h.cause === 'delete' ? null : (read.events.get(h.eventId) ?? null);
      this.take(out, h, event, read.counts.get(h.eventId) ?? NO_REGISTRATIONS);
    }
  }

  /** Fan out the entries after `published`, up to `upTo`, from the history table. */
  private async catchUp(upTo: number): Promise<void> {
    for (;;) {
      const read = await this.readPage(this.published);
      const page = read.page.filter((h) => h.seq <= upTo);
      if (page.length === 0) return;
      const out: Outgoing[] = [];
      this.takeFromHistory(out, page, read);
      this.fanOut(out);
      if (page.length < CATCH_UP_PAGE) return;
      await this.pace();
    }
  }

  /** Between catch-up pages: see PACE_BYTES. */
  private async pace(): Promise<void> {
    const behind: LiveClient[] = [];
    for (const audience of this.audiences.values())
      for (const c of audience.clients) if (c.pending() > PACE_BYTES) behind.push(c);
    if (behind.length === 0) {
      await new Promise((resolve) => setImmediate(resolve));
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(behind.map((c) => c.drained())),
      new Promise((resolve) => {
        timer = setTimeout(resolve, PACE_MS);
      }),
    ]);
    clearTimeout(timer);
  }

  /** Account for one entry (seq order, once) and queue its message. */
  private take(out: Outgoing[], entry: HistoryRecord, event: EventRecord | null, counts: RegistrationCounts): void {
    if (entry.seq <= this.published) return;
    this.published = entry.seq;
    const type = liveTypeOf(entry);
    if (type === 'transition') this.metrics.transitions.inc({ cause: entry.cause });
    const now = this.clock.now();
    out.push(
      outgoing(
        entry.seq,
        (v) => canSeeEntry(v, entry),
        () => frame(type, toLiveMessage(entry, event, now, counts), entry.seq),
      ),
    );
  }

  private send(effects: Effects): void {
    const out: Outgoing[] = [];
    for (const { entry, event, counts } of effects.entries) this.take(out, entry, event as EventRecord | null, counts);
    for (const change of effects.registrations) out.push(registrationFrame(change));
    this.fanOut(out);
  }

  /**
   * One visibility pass and one text per audience; one write per client. The write is the cost
   * that remains: measured on the loaded 2-core machine, a loop of `res.write` to 2 000 loopback
   * clients took 1–66 ms and flushing them (one writev syscall each) 95–640 ms; writing to the
   * sockets directly, bypassing HTTP chunking, was no cheaper (88–165 ms in all). So the lever is
   * fewer writes — one per client per commit, however many entries it carries.
   */
  private fanOut(out: readonly Outgoing[]): void {
    if (out.length === 0) return;
    for (const audience of this.audiences.values()) {
      const visible = out.filter((o) => o.visible(audience.viewer));
      if (visible.length === 0) continue;
      const batch = toBatch(visible);
      for (const c of audience.clients) c.deliver(batch);
    }
  }

  /** Close every stream with a retry hint (graceful shutdown). */
  close(retryMs = 1000): void {
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe();
    if (this.idleSettle) clearTimeout(this.idleSettle);
    this.idleSettle = null;
    for (const c of [...this.signedIn(), ...(this.audiences.get('public')?.clients ?? [])]) this.endClient(c, retryMs);
  }
}

/**
 * Registration changes are not history: no `id:` line, so Last-Event-ID keeps counting history
 * only (they are not replayed; a reconnecting admin re-reads the list). Never sent to the public.
 */
function registrationFrame(change: Effects['registrations'][number]): Outgoing {
  return outgoing(
    null,
    (v) => canManageAttendees(v, { createdBy: change.ownerId }),
    () => frame(change.type, toRegistrationMessage(change)),
  );
}
