/** Runs one peer scenario in a child process (bench/peers/child.ts), with a progress bar. */
import path from 'node:path';
import type { PeerSpec } from '../peers/peer.ts';
import type { Scenario, ScenarioResult } from '../peers/scenarios.ts';
import { ROOT } from './kairos.ts';
import { spawnTracked, stopChild } from './procs.ts';
import { phase } from './progress.ts';

const CHILD = path.join(ROOT, 'bench/peers/child.ts');

export function runPeer(spec: PeerSpec, scenario: Scenario, timeoutMs: number): Promise<ScenarioResult> {
  const child = spawnTracked(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify({ peer: spec, scenario })], {
    cwd: ROOT,
    env: { ...process.env, TZ: 'UTC' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const bar = phase(`${spec.label}: ${scenario.kind}`, 1);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d: Buffer) => {
    for (const line of String(d).split('\n')) {
      const m = /^@progress (\d+) (\d+)/.exec(line);
      if (m) bar.set(Number(m[1]), Number(m[2]));
      else if (line.trim()) stderr = `${stderr}${line}\n`.slice(-4000);
    }
  });
  const timer = setTimeout(() => void stopChild(child, 2000), timeoutMs);
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      clearTimeout(timer);
      bar.end();
      const last = stdout.trim().split('\n').at(-1);
      if (code === 0 && last) resolve(JSON.parse(last) as ScenarioResult);
      else reject(new Error(`${spec.label} ${scenario.kind} failed (exit ${code}):\n${stderr.trim()}`));
    });
  });
}
