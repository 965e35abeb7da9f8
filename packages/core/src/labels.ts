/**
 * The words for phases and triggers, one labelling for every screen (the web app's badges,
 * timeline, form and scheduler dashboard; the CLI). A trigger is named by the date it fires at.
 */
import type { EventDates, Phase, TriggerKind } from './lifecycle.ts';
import { TRIGGER_FIELDS } from './lifecycle.ts';
import type { ScheduleKind } from './reminder.ts';

export const PHASE_LABELS: Record<Phase, string> = {
  scheduled: 'Scheduled',
  registration_not_started: 'Registration not open yet',
  registration_open: 'Registration open',
  registration_closed: 'Registration closed',
  in_progress: 'In progress',
  certificates_available: 'Certificates available',
  ended: 'Ended',
  draft: 'Draft',
  pending_approval: 'Pending approval',
  declined: 'Declined',
  cancelled: 'Cancelled',
};

export const TRIGGER_LABELS: Record<TriggerKind, string> = {
  registration_open: 'Registration opens',
  registration_close: 'Registration closes',
  event_start: 'Starts',
  event_end: 'Ends',
  certificates_open: 'Certificates open',
  certificates_close: 'Certificates close',
};

/** Every row of the triggers table, the reminder included (scheduler dashboard, edit preview). */
export const SCHEDULE_LABELS: Record<ScheduleKind, string> = { ...TRIGGER_LABELS, reminder: 'Reminder e-mail' };

/** A date field is labelled as the trigger that fires at it. */
export const DATE_LABELS = Object.fromEntries(TRIGGER_FIELDS.map(([kind, field]) => [field, TRIGGER_LABELS[kind]])) as Record<
  keyof EventDates,
  string
>;
