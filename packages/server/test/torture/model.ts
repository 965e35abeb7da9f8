/**
 * What the torture believes the database must hold, built only from acknowledged answers: per
 * event, every user write that took effect (in order, with the dates it left), the last answer,
 * and its registrations. A write whose outcome is unknown parks the event until `resolve` reads
 * the truth back; nothing else touches an event meanwhile, so the order of its writes is known.
 */
import { DATE_FIELDS } from '@kairos/core';
import type { Dates } from '../support/timeline.ts';

export type Role = 'admin' | 'organizer';

/** One user write that took effect: the history entry it must have, and the dates it left. */
export interface Applied {
  cause: string;
  /** Causes a submit may record: `edit` (organizer) or `approval` (admin). */
  causes: readonly string[];
  dates: Dates;
  exchange: number;
}

export interface TrackedRegistration {
  email: string;
  id: string | null;
  token: string | null;
  outcome: 'ack' | 'refused' | 'unknown';
  /** Our cancellation of it: none, acknowledged, refused, or unknown. */
  cancel: 'none' | 'ack' | 'refused' | 'unknown';
}

/** An attempted write whose answer never came (the server died): what it would have done. */
export interface Unresolved {
  cause: string;
  causes: readonly string[];
  exchange: number;
  /** The fields a patch sent (compared with what the database holds if it applied). */
  patch: Record<string, unknown> | null;
}

export interface TrackedEvent {
  id: string;
  owner: Role;
  // biome-ignore lint/suspicious/noExplicitAny: the last acknowledged answer, read field by field
  view: any;
  applied: Applied[];
  deleted: boolean;
  busy: boolean;
  unresolved: Unresolved | null;
  registrations: TrackedRegistration[];
}

const at = (v: unknown): number | undefined => (typeof v === 'string' ? Date.parse(v) : undefined);

/** The dates of an answered event, in the shape the oracle takes (absent windows left out). */
export function datesOf(view: Record<string, unknown>): Dates {
  const d: Dates = { startsAt: at(view.startsAt) ?? 0, endsAt: at(view.endsAt) ?? 0 };
  const optional = ['registrationOpensAt', 'registrationClosesAt', 'certificatesOpenAt', 'certificatesCloseAt'] as const;
  for (const field of optional) {
    const v = at(view[field]);
    if (v !== undefined) d[field] = v;
  }
  return d;
}

/** The fields a user sets, as answered: what an acknowledged write must leave in the database. */
export const DATA_FIELDS = ['title', 'capacity', 'timezone', 'version', ...DATE_FIELDS] as const;

export const WORKFLOW = ['draft', 'pending_approval', 'declined', 'cancelled'];
export const TIME_DRIVEN = ['upcoming', 'ongoing', 'completed'];

export class Model {
  readonly events = new Map<string, TrackedEvent>();
  /** Creates whose answer never came: found again by their unique title, or never created. */
  readonly unknownCreates: Array<{ title: string; owner: Role; exchange: number }> = [];
  /** Titles of creates that were refused: none may exist. */
  readonly refusedTitles = new Set<string>();

  // biome-ignore lint/suspicious/noExplicitAny: an answered event
  adopt(view: any, owner: Role, exchange: number): TrackedEvent {
    const e: TrackedEvent = {
      id: view.id,
      owner,
      view,
      applied: [{ cause: 'create', causes: ['create'], dates: datesOf(view), exchange }],
      deleted: false,
      busy: false,
      unresolved: null,
      registrations: [],
    };
    this.events.set(e.id, e);
    return e;
  }

  idle(): TrackedEvent[] {
    return [...this.events.values()].filter((e) => !e.busy && !e.deleted && e.unresolved === null);
  }
}
