/**
 * Response and shared request schemas for the routes and the OpenAPI document. Request bodies
 * of events come from @kairos/core, the same schemas the web app's forms are typed by.
 */
import { PHASES, STATUSES, TRIGGER_KINDS } from '@kairos/core';
import Type from 'typebox';

const Instant = Type.String({ format: 'date-time', examples: ['2026-12-01T04:30:00.000Z'] });
const Nullable = <T extends Type.TSchema>(t: T) => Type.Union([t, Type.Null()]);
// Descriptions typed as plain `string`; a union built from .map() would type as `never`.
const doc = (values: readonly string[]): { description: string } => ({ description: `one of ${values.join(', ')}` });
const State = Type.Object({ status: Type.String(doc(STATUSES)), phase: Type.String(doc(PHASES)) });

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      details: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
    }),
  },
  {},
);

export const EventResponse = Type.Object(
  {
    id: Type.String(),
    title: Type.String(),
    description: Nullable(Type.String()),
    venue: Nullable(Type.String()),
    timezone: Type.String(),
    capacity: Nullable(Type.Integer()),
    registrationOpensAt: Nullable(Instant),
    registrationClosesAt: Nullable(Instant),
    startsAt: Instant,
    endsAt: Instant,
    certificatesOpenAt: Nullable(Instant),
    certificatesCloseAt: Nullable(Instant),
    status: State.properties.status,
    phase: State.properties.phase,
    nextTransition: Nullable(Type.Object({ at: Instant, status: Type.String(), phase: Type.String() })),
    version: Type.Integer(),
    createdBy: Type.String(),
    createdAt: Instant,
    updatedAt: Instant,
    registered: Type.Integer({ description: 'confirmed registrations (read-only)' }),
    waitlisted: Type.Integer({ description: 'registrations on the waitlist (read-only)' }),
    checkedIn: Type.Integer({ description: 'attendees checked in (read-only)' }),
  },
  { additionalProperties: true },
);

export const HistoryEntryResponse = Type.Object(
  {
    seq: Type.Integer(),
    eventId: Type.String(),
    at: Instant,
    cause: Type.String(),
    actor: Nullable(Type.String()),
    from: Nullable(State),
    to: State,
    trigger: Nullable(Type.String(doc(TRIGGER_KINDS))),
    dueAt: Nullable(Instant),
    lateMs: Nullable(Type.Integer()),
    reason: Type.Optional(Type.String()),
  },
  {},
);

export const Page = <T extends Type.TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Nullable(Type.String()) });

export const UserResponse = Type.Object(
  {
    id: Type.String(),
    email: Type.String(),
    name: Type.String(),
    role: Type.Union([Type.Literal('admin'), Type.Literal('organizer')]),
    createdAt: Instant,
  },
  {},
);

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 500 })),
};

/** The error answers every route may give, for the OpenAPI document. */
export const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, ErrorResponse]));
