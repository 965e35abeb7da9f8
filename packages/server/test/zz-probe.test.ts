// @dialects sqlite postgres
import { expect, test } from 'vitest';
import { startServer } from './support/server.ts';

test('probe', async () => {
  for (let i = 0; i < 3; i++) {
    let t = Date.now();
    const s = await startServer();
    const started = Date.now() - t;
    t = Date.now();
    const r = await s.stop();
    t = Date.now() - t;
    t = Date.now();
    await s.start();
    const restarted = Date.now() - t;
    t = Date.now();
    await s.kill9();
    console.log('PROBE start', started, 'stop', r.ms, 'restart', restarted, 'kill', Date.now() - t);
  }
  expect(1).toBe(1);
});
