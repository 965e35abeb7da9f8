/**
 * One peer scenario in a process of its own (a clean event loop, like the Kairos server's):
 * `tsx bench/peers/child.ts '<json scenario>'`. Progress goes to stderr as `@progress done total`,
 * the result to stdout as one JSON line.
 */
import { sleep } from '../lib/net.ts';
import { makePeer, type PeerSpec } from './peer.ts';
import { runScenario, type Scenario } from './scenarios.ts';

const { peer: spec, scenario } = JSON.parse(process.argv[2] ?? '{}') as { peer: PeerSpec; scenario: Scenario };
const progress = (done: number, total: number) => process.stderr.write(`@progress ${done} ${total}\n`);

const peer = await makePeer(spec);
try {
  const result = await runScenario(peer, scenario, progress);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await Promise.race([peer.stop(), sleep(10_000)]);
}
process.exit(0);
