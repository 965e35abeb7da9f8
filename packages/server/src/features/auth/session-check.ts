/**
 * Which requests' sessions came from an instance's cache (cluster mode, `authenticateForWrite`):
 * their viewer carries the check to the write, whose BEGIN verifies it (`WriteOptions.session`).
 * A viewer is made per request, so the map holds it only while the request lives.
 */
import type { Viewer } from '@kairos/core';
import type { SessionCheck } from '../../db/store.ts';

const checks = new WeakMap<Viewer, SessionCheck>();

export function attachSessionCheck(viewer: Viewer, check: SessionCheck): void {
  checks.set(viewer, check);
}

/** The check a write by `viewer` must make in its transaction, if its session came from a cache. */
export function sessionCheckOf(viewer: Viewer): SessionCheck | undefined {
  return checks.get(viewer);
}
