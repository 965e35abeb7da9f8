// @dialects sqlite postgres
/**
 * Crash recovery (SPEC §5, I3, I4): boundaries that fall due while the server is dead (SIGKILL,
 * no shutdown hook) fire on the next start, each once, in due order, with cause `recovery`;
 * later restarts add nothing; acknowledged writes survive the kill; doctor is clean afterwards.
 */
import { afterAll, expect, test } from 'vitest';
import { createEvent } from './support/fixtures.ts';
import { runCli, startServer, stopAll } from './support/server.ts';
import { openStream } from './support/sse.ts';
import {
  type Dates,
  datesBody,
  type Entry,
  expectedTransitions,
  fullHistory,
  ms,
  sleep,
  sleepUntil,
  triggersOf,
  until,
} from './support/timeline.ts';

afterAll(stopAll);

test('missed boundaries are recovered once each, in due order, after kill -9; acknowledged writes survive', async () => {
  const server = await startServer();
  const token = server.adminToken;
  const create = async (title: string, dates: Dates) => {
    const event = await createEvent(server, { title, ...datesBody(dates) }, token);
    return { id: event.id, createdAt: ms(event.createdAt) };
  };

  const t0 = Date.now();
  // Every boundary of `full` passes while the server is down.
  const fullDates: Dates = {
    registrationOpensAt: t0 + 3000,
    registrationClosesAt: t0 + 3400,
    startsAt: t0 + 3800,
    endsAt: t0 + 4200,
    certificatesOpenAt: t0 + 4600,
    certificatesCloseAt: t0 + 5000,
  };
  // Its start passes while down, interleaved with `full`'s boundaries; its end comes after the restart.
  const splitDates: Dates = { startsAt: t0 + 3600, endsAt: t0 + 11_000 };
  const full = await create('Recovered in full', fullDates);
  const split = await create('Recovered in part', splitDates);

  // Acknowledged writes, immediately followed by kill -9.
  const patched = await server.api('PATCH', `/events/${split.id}`, {
    token,
    json: { title: 'Renamed before the crash', version: 1 },
  });
  expect(patched.status, patched.text).toBe(200);
  const lastMinute = await server.api('POST', '/events', {
    token,
    json: { title: 'Created before the crash', ...datesBody({ startsAt: t0 + 86_400_000, endsAt: t0 + 90_000_000 }) },
  });
  expect(lastMinute.status, lastMinute.text).toBe(201);
  await server.kill9();
  expect(Date.now()).toBeLessThan(fullDates.registrationOpensAt as number); // killed before anything fell due

  await sleepUntil((fullDates.certificatesCloseAt as number) + 800);
  const restartedAt = Date.now();
  await server.start();
  const readyAt = Date.now();

  const expectedFull = expectedTransitions(fullDates, full.createdAt);
  expect(expectedFull).toHaveLength(6);
  const fullHist = await until(
    async () => {
      const h = await fullHistory(server, full.id);
      return h.length >= 1 + expectedFull.length && h;
    },
    5000,
    'recovery of the full timeline',
  );
  expect(fullHist.map((h: Entry) => h.cause)).toEqual(['create', ...expectedFull.map(() => 'recovery')]);
  const recovered = fullHist.slice(1);
  recovered.forEach((h: Entry, i: number) => {
    const want = expectedFull[i];
    if (!want) throw new Error('more entries than expected');
    expect(h).toMatchObject({
      trigger: want.trigger,
      from: want.from,
      to: want.to,
      dueAt: new Date(want.dueAt).toISOString(),
      actor: null,
    });
    expect(h.from).toEqual(fullHist[i].to);
    expect(h.lateMs).toBe(ms(h.at) - ms(h.dueAt));
    expect(ms(h.at)).toBeGreaterThanOrEqual(restartedAt);
    if (i > 0) {
      expect(h.seq).toBeGreaterThan(recovered[i - 1].seq);
      expect(ms(h.dueAt)).toBeGreaterThan(ms(recovered[i - 1].dueAt));
    }
  });

  const splitHist = await fullHistory(server, split.id);
  // (A fourth entry, event_end, exists only if this machine was too slow to read before it fell due.)
  expect(splitHist.slice(0, 3).map((h: Entry) => [h.cause, h.trigger])).toEqual([
    ['create', null],
    ['edit', null],
    ['recovery', 'event_start'],
  ]);
  // Across events too, the missed triggers fired in due order.
  const allRecovered = [...recovered, splitHist[2]].sort((a: Entry, b: Entry) => a.seq - b.seq);
  const dues = allRecovered.map((h: Entry) => ms(h.dueAt));
  expect(dues).toEqual([...dues].sort((a, b) => a - b));
  for (const h of allRecovered) expect(h.lateMs).toBe(ms(h.at) - ms(h.dueAt));

  // I4: what was acknowledged before the kill is there.
  const splitNow = await server.api('GET', `/events/${split.id}`);
  expect(splitNow.json).toMatchObject({ title: 'Renamed before the crash', version: 2 });
  const lastNow = await server.api('GET', `/events/${lastMinute.json.id}`);
  expect(lastNow.status).toBe(200);
  expect(lastNow.json).toMatchObject({ title: 'Created before the crash', status: 'upcoming', phase: 'scheduled' });
  expect((await server.api('GET', `/events/${full.id}`)).json).toMatchObject({
    status: 'completed',
    phase: 'ended',
    nextTransition: null,
    version: 1,
  });
  expect(await triggersOf(server, full.id)).toEqual([]);
  if (Date.now() < splitDates.endsAt - 500) {
    // Recovery consumed only what had passed; the future boundary is still queued.
    expect(await triggersOf(server, split.id)).toEqual([
      { trigger: 'event_end', dueAt: new Date(splitDates.endsAt).toISOString() },
    ]);
  }

  // A client that was connected before the crash catches up with the recovered transitions,
  // then sees the remaining boundary fire live on the restarted server.
  const createdSeq = fullHist[0].seq as number;
  const stream = openStream(server.url, { lastEventId: createdSeq });
  let endCause: string;
  try {
    const end = await stream.waitFor(
      (m) => m.find((x) => x.type === 'transition' && x.data.eventId === split.id && x.data.trigger === 'event_end'),
      splitDates.endsAt - Date.now() + 5000,
    );
    endCause = end.data.cause;
    // It fell due after the restart was ready: fired on time, not recovered.
    if (readyAt < splitDates.endsAt) expect(endCause).toBe('schedule');
    expect(ms(end.data.at)).toBeGreaterThanOrEqual(splitDates.endsAt);
    expect(end.receivedAt).toBeGreaterThanOrEqual(splitDates.endsAt);
    const replayed = stream.messages.filter((m) => m.type === 'transition' && m.data.cause === 'recovery' && m !== end);
    expect(replayed.map((m) => Number(m.id))).toEqual(allRecovered.map((h: Entry) => h.seq));
    expect(stream.messages[0]?.type).toBe('hello');
  } finally {
    stream.close();
  }

  // A second (graceful) restart adds nothing: every trigger was consumed exactly once.
  const before = { full: await fullHistory(server, full.id), split: await fullHistory(server, split.id) };
  expect(before.split.map((h: Entry) => [h.cause, h.trigger])).toEqual([
    ['create', null],
    ['edit', null],
    ['recovery', 'event_start'],
    [endCause, 'event_end'],
  ]);
  expect((await server.api('GET', `/events/${split.id}`)).json).toMatchObject({ status: 'completed', phase: 'ended' });
  const stopped = await server.stop();
  expect(stopped.code).toBe(0);
  await server.start();
  await sleep(500);
  expect(await fullHistory(server, full.id)).toEqual(before.full);
  expect(await fullHistory(server, split.id)).toEqual(before.split);

  const doctor = await runCli(['doctor', '--json'], { KAIROS_DB: server.dbPath });
  expect(doctor.code, doctor.stderr).toBe(0);
  const report = JSON.parse(doctor.stdout);
  expect(report).toMatchObject({ ok: true, checkedEvents: 3, problems: [], fixed: 0 });
});
