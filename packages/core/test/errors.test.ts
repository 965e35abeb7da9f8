import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_STATUS, KairosError } from '../src/index.ts';

/** docs/errors.md is the catalogue people read; it must list exactly the codes the code has. */
describe('error catalogue', () => {
  const doc = fs.readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  const rows = [...doc.matchAll(/^\| `([a-z_]+)` +\| (\d{3}) +\|/gm)].map((m) => [m[1], Number(m[2])]);

  it('lists every code with its status, and nothing else', () => {
    expect(Object.fromEntries(rows)).toEqual(ERROR_STATUS);
  });

  it('turns a domain error into the SPEC error body', () => {
    const e = new KairosError('validation_failed', 'endsAt must be after startsAt', [
      { path: 'endsAt', message: 'must be after startsAt' },
    ]);
    expect(e.status).toBe(400);
    expect(e.toBody()).toEqual({
      error: {
        code: 'validation_failed',
        message: 'endsAt must be after startsAt',
        details: [{ path: 'endsAt', message: 'must be after startsAt' }],
      },
    });
    expect(new KairosError('not_found', 'x').toBody().error).not.toHaveProperty('details');
  });
});
