/**
 * How fast the outbox drains to one fast local endpoint (not a test: run by hand,
 * `npx tsx packages/server/test/support/webhook-probe.ts [N]`). SQLite in a temp dir, the real
 * service and runner, a real receiver answering 200 at once.
 */
import path from 'node:path';
import { systemClock } from '../../src/clock.ts';
import { migrate } from '../../src/db/migrate.ts';
import { openSqlite } from '../../src/db/sqlite.ts';
import { EventsService } from '../../src/features/events/events.service.ts';
import { parseAllowedHosts } from '../../src/features/webhooks/allowed-hosts.ts';
import { WebhooksService } from '../../src/features/webhooks/webhooks.service.ts';
import { tempDir } from './server.ts';
import { startReceiver } from './webhook-receiver.ts';

const N = Number(process.argv[2] ?? 500);
const store = openSqlite(path.join(tempDir('kairos-probe-'), 'kairos.sqlite'));
await migrate(store);
const receiver = await startReceiver();
const webhooks = new WebhooksService({ store, clock: systemClock, allowedHosts: parseAllowedHosts('127.0.0.1') });
await webhooks.create({ url: receiver.url, types: ['event.created'] });
const events = new EventsService({ store, clock: systemClock, defaultTimezone: 'UTC' });
const t = Date.now() + 86_400_000;
// Written first, runner stopped: a backlog, as after downtime or a burst.
await Promise.all(
  Array.from({ length: N }, (_, i) =>
    events.create({ role: 'admin', userId: 'usr_probe' }, {
      title: `Probe ${i}`,
      startsAt: new Date(t).toISOString(),
      endsAt: new Date(t + 3600_000).toISOString(),
    } as never),
  ),
);
const before = store.stats();
const t0 = performance.now();
await webhooks.start();
await receiver.waitFor((all) => all.length >= N, 600_000);
const ms = performance.now() - t0;
await webhooks.runner.idle();
const after = store.stats();
console.log(
  `${N} deliveries to one endpoint: ${ms.toFixed(0)} ms, ${((N / ms) * 1000).toFixed(0)}/s; ` +
    `${after.writes - before.writes} writes in ${after.transactions - before.transactions} transactions`,
);
await webhooks.stop();
await receiver.close();
await store.close();
