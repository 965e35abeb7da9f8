/**
 * The typed contract of the live stream (SPEC §7): message type → payload. The server's hub
 * publishes only these, the web app's stream client parses only these; a new kind of message is
 * added here first and the compiler finds every place that must handle it.
 */
import Type, { type Static } from 'typebox';
import type { EventView } from './event.ts';
import type { RegistrationCounts, RegistrationLiveView } from './registration.ts';
import { InstantString, LifecycleStateSchema, Nullable, TriggerKindSchema } from './schema.ts';

export const HISTORY_CAUSES = ['schedule', 'recovery', 'edit', 'create', 'approval', 'decline', 'cancel', 'delete'] as const;
export type HistoryCause = (typeof HISTORY_CAUSES)[number];

/** One history entry as the API answers it (SPEC §5). */
export const HistoryEntryView = Type.Object({
  seq: Type.Integer(),
  eventId: Type.String(),
  at: InstantString,
  cause: Type.Enum(HISTORY_CAUSES),
  actor: Nullable(Type.String()),
  from: Nullable(LifecycleStateSchema),
  to: LifecycleStateSchema,
  trigger: Nullable(TriggerKindSchema),
  dueAt: Nullable(InstantString),
  lateMs: Nullable(Type.Integer()),
  reason: Type.Optional(Type.String()),
});
export type HistoryEntryView = Static<typeof HistoryEntryView>;

export interface LiveEventMap {
  hello: { serverTime: string; lastSeq: number };
  transition: HistoryEntryView & { event: EventView | null };
  'event.created': HistoryEntryView & { event: EventView };
  'event.updated': HistoryEntryView & { event: EventView };
  'event.deleted': HistoryEntryView & { event: null };
  // Registration changes are not history (SPEC §5 counts lifecycle entries): they carry no `id`,
  // so Last-Event-ID keeps meaning "history seq"; only admins and the owning organizer get them.
  'registration.created': RegistrationMessage;
  'registration.promoted': RegistrationMessage;
  'registration.cancelled': RegistrationMessage;
  'registration.expired': RegistrationMessage;
  'registration.checked_in': RegistrationMessage;
}
export type LiveEventType = keyof LiveEventMap;

export const REGISTRATION_LIVE_TYPES = [
  'registration.created',
  'registration.promoted',
  'registration.cancelled',
  'registration.expired',
  'registration.checked_in',
] as const satisfies readonly LiveEventType[];
export type RegistrationLiveType = (typeof REGISTRATION_LIVE_TYPES)[number];
export const isRegistrationLiveType = (type: string): type is RegistrationLiveType =>
  (REGISTRATION_LIVE_TYPES as readonly string[]).includes(type);

// A record, not a list, so the compiler refuses it until every message type of the map is here.
const ALL_TYPES: Record<LiveEventType, true> = {
  hello: true,
  transition: true,
  'event.created': true,
  'event.updated': true,
  'event.deleted': true,
  'registration.created': true,
  'registration.promoted': true,
  'registration.cancelled': true,
  'registration.expired': true,
  'registration.checked_in': true,
};
/** Every message type the stream sends: what a client listens for. */
export const LIVE_TYPES = Object.keys(ALL_TYPES) as LiveEventType[];

/** A registration change: the registration as it now reads (no email) and the event's new counts. */
export interface RegistrationMessage {
  at: string;
  eventId: string;
  registration: RegistrationLiveView;
  counts: RegistrationCounts;
}

/** Which message a history entry becomes: any change of (status, phase) is a `transition`. */
export function liveTypeOf(
  entry: Pick<HistoryEntryView, 'cause' | 'from' | 'to'>,
): Exclude<LiveEventType, 'hello' | RegistrationLiveType> {
  const changed = entry.from !== null && (entry.from.status !== entry.to.status || entry.from.phase !== entry.to.phase);
  if (changed) return 'transition';
  switch (entry.cause) {
    case 'create':
      return 'event.created';
    case 'delete':
      return 'event.deleted';
    default:
      return 'event.updated';
  }
}
