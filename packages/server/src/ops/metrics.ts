/**
 * Prometheus metrics (SPEC §6), on a registry of their own so several apps in one process
 * (tests) never share counters.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { WriteStats } from '../db/store.ts';

export interface Metrics {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status'>;
  lateness: Histogram;
  transitions: Counter<'cause'>;
  streamClients: Gauge;
  triggersQueued: Gauge;
}

/** Group commit at work: writes per transaction is their ratio. */
export function registerWriteMetrics(registry: Registry, stats: () => WriteStats): void {
  const counter = (name: string, help: string, read: (s: WriteStats) => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read(stats()));
      },
    });
  counter('kairos_writes_total', 'Write units of work committed', (s) => s.writes);
  counter('kairos_write_transactions_total', 'Database transactions those writes took (group commit)', (s) => s.transactions);
}

export function createMetrics(countTriggers: () => Promise<number>): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'kairos_process_' });
  return {
    registry,
    requests: new Counter({
      name: 'kairos_http_requests_total',
      help: 'HTTP requests answered, by method, route and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    lateness: new Histogram({
      name: 'kairos_trigger_lateness_seconds',
      help: 'How long after its due instant each trigger fired',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 30, 300, 3600],
      registers: [registry],
    }),
    transitions: new Counter({
      name: 'kairos_transitions_total',
      help: 'Changes of (status, phase) recorded in history, by cause',
      labelNames: ['cause'],
      registers: [registry],
    }),
    streamClients: new Gauge({
      name: 'kairos_stream_clients',
      help: 'Live stream (SSE) clients connected to this instance',
      registers: [registry],
    }),
    triggersQueued: new Gauge({
      name: 'kairos_triggers_queued',
      help: 'Pending triggers in the database',
      registers: [registry],
      async collect() {
        this.set(await countTriggers());
      },
    }),
  };
}
