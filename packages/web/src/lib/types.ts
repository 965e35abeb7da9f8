/**
 * The API's shapes, as the web app uses them: every one is derived from the response schema in
 * @kairos/core that the server answers with, never restated here.
 */
export type {
  EditEffects,
  EventView,
  HistoryEntryView,
  Page,
  RegistrationCreated,
  RegistrationView,
  SchedulerStatus,
  UserView as User,
} from '@kairos/core';
