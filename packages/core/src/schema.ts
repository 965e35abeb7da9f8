/**
 * Building blocks of the response schemas. Each response shape is one TypeBox schema in core:
 * the server hands it to Fastify (serialisation and the OpenAPI document), and everyone else —
 * the web app, the CLI, the tests — takes its TypeScript type from the same schema via Static<>.
 */
import Type, { type TSchema } from 'typebox';
import { PHASES, STATUSES, TRIGGER_KINDS } from './lifecycle.ts';
import { SCHEDULE_KINDS } from './reminder.ts';

/** Responses give instants as UTC RFC 3339 with milliseconds and `Z` (SPEC §2). */
export const InstantString = Type.String({ format: 'date-time', examples: ['2026-12-01T04:30:00.000Z'] });

export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** A page of a list (SPEC §6): the items and the cursor of the next page, null on the last. */
export const Page = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item), nextCursor: Nullable(Type.String()) });
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export const StatusSchema = Type.Enum(STATUSES);
export const PhaseSchema = Type.Enum(PHASES);
/** A (status, phase) pair, as history entries and transitions carry it. */
export const LifecycleStateSchema = Type.Object({ status: StatusSchema, phase: PhaseSchema });
export const TriggerKindSchema = Type.Enum(TRIGGER_KINDS);
/** A row of the triggers table: a lifecycle boundary or the attendee reminder. */
export const ScheduleKindSchema = Type.Enum(SCHEDULE_KINDS);
