import { DATE_LABELS, type EventFields, wallTimeKind } from '@kairos/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useEffect, useMemo, useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { ErrorBox, Loading } from '../../components/Feedback.tsx';
import { Field } from '../../components/Field.tsx';
import { ApiError, api } from '../../lib/api.ts';
import { viewerZone } from '../../lib/time.ts';
import type { EditEffects, EventView } from '../../lib/types.ts';
import { EditPreview } from './EditPreview.tsx';
import {
  type DateKey,
  detailsToErrors,
  emptyForm,
  type FormValues,
  fieldsOf,
  formFromEvent,
  toBody,
  validate,
} from './form-model.ts';

const ZONES: readonly string[] = (() => {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return ['UTC'];
  }
})();

export function EventFormPage() {
  const { id } = useParams();
  const editing = id !== undefined;
  const existing = useQuery({
    queryKey: ['event', id],
    queryFn: () => api<EventView>('GET', `/events/${encodeURIComponent(id ?? '')}`),
    enabled: editing,
  });
  if (editing && existing.isPending) return <Loading />;
  if (editing && !existing.data) return <ErrorBox error={existing.error} />;
  return <EventForm key={existing.data?.id ?? 'new'} event={existing.data ?? null} />;
}

/** Edit preview: ask the server what the edit would do, without writing (debounced). */
function useEditPreview(event: EventView | null, values: FormValues, base: EventFields | null): EditEffects | null {
  const [effects, setEffects] = useState<EditEffects | null>(null);
  useEffect(() => {
    if (!event) return;
    if (Object.keys(validate(values, base)).length > 0) {
      setEffects(null);
      return;
    }
    const timer = setTimeout(() => {
      api<{ effects: EditEffects }>('PATCH', `/events/${encodeURIComponent(event.id)}?dryRun=true`, {
        ...toBody(values),
        version: event.version,
      })
        .then((r) => setEffects(r.effects))
        .catch(() => setEffects(null));
    }, 300);
    return () => clearTimeout(timer);
  }, [values, event, base]);
  return effects;
}

/** Create or patch; on success show the event, on a refusal put the server's messages under the fields. */
function useSave(event: EventView | null, values: FormValues, onRefused: (errors: Record<string, string>) => void) {
  const navigate = useNavigate();
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ draft }: { draft: boolean }) =>
      event
        ? api<EventView>('PATCH', `/events/${encodeURIComponent(event.id)}`, { ...toBody(values), version: event.version })
        : api<EventView>('POST', '/events', { ...toBody(values), ...(draft ? { draft: true } : {}) }),
    onSuccess: (saved) => {
      client.setQueryData(['event', saved.id], saved);
      void client.invalidateQueries({ queryKey: ['events'] });
      navigate(`/events/${encodeURIComponent(saved.id)}`);
    },
    onError: (e) => {
      if (e instanceof ApiError && e.details.length > 0) onRefused(detailsToErrors(e.details));
    },
  });
}

function dateNote(wall: string, zone: string): ReactNode {
  if (!wall) return null;
  switch (wallTimeKind(wall, zone)) {
    case 'gap':
      return `This time does not exist in ${zone}: clocks jump forward then. Pick another time.`;
    case 'overlap':
      return `This time happens twice in ${zone} (clocks go back); the earlier one is used.`;
    default:
      return null;
  }
}

const DATE_GROUPS = [
  ['Registration window (optional: both or neither)', ['registrationOpensAt', 'registrationClosesAt']],
  ['The event', ['startsAt', 'endsAt']],
  ['Certificates window (optional: both or neither)', ['certificatesOpenAt', 'certificatesCloseAt']],
] as const;

type Setter = (key: keyof FormValues) => (e: { target: { value: string } }) => void;

function DateFieldsets({ values, shown, set }: { values: FormValues; shown: Record<string, string>; set: Setter }) {
  return DATE_GROUPS.map(([legend, keys]) => (
    <fieldset key={legend}>
      <legend>{legend}</legend>
      <div className="row">
        {keys.map((k: DateKey) => (
          <Field key={k} id={k} label={DATE_LABELS[k]} error={shown[k]} note={dateNote(values[k], values.timezone)}>
            <input id={k} type="datetime-local" value={values[k]} onChange={set(k)} aria-invalid={!!shown[k]} />
          </Field>
        ))}
      </div>
    </fieldset>
  ));
}

function TextFields({ values, shown, set }: { values: FormValues; shown: Record<string, string>; set: Setter }) {
  return (
    <>
      <Field id="title" label="Title" error={shown.title}>
        <input id="title" value={values.title} onChange={set('title')} aria-invalid={!!shown.title} required />
      </Field>
      <Field id="description" label="Description" error={shown.description}>
        <textarea id="description" value={values.description} onChange={set('description')} rows={3} />
      </Field>
      <div className="row">
        <Field id="venue" label="Venue" error={shown.venue}>
          <input id="venue" value={values.venue} onChange={set('venue')} />
        </Field>
        <Field id="capacity" label="Capacity" error={shown.capacity}>
          <input
            id="capacity"
            inputMode="numeric"
            value={values.capacity}
            onChange={set('capacity')}
            aria-invalid={!!shown.capacity}
          />
        </Field>
        <Field
          id="reminderMinutesBefore"
          label="Reminder (minutes before start)"
          error={shown.reminderMinutesBefore}
          note="E-mailed to confirmed attendees; empty: no reminder."
        >
          <input
            id="reminderMinutesBefore"
            inputMode="numeric"
            value={values.reminderMinutesBefore}
            onChange={set('reminderMinutesBefore')}
            aria-invalid={!!shown.reminderMinutesBefore}
          />
        </Field>
      </div>
      <Field id="timezone" label="Time zone" error={shown.timezone} note="Dates below are wall times in this zone.">
        <input
          id="timezone"
          list="zones"
          value={values.timezone}
          onChange={set('timezone')}
          autoComplete="off"
          aria-invalid={!!shown.timezone}
        />
        <datalist id="zones">
          {ZONES.map((z) => (
            <option key={z} value={z} />
          ))}
        </datalist>
      </Field>
    </>
  );
}

/** The server's refusal: per-field messages go under the fields, anything else shows here. */
function SaveError({ error }: { error: Error | null }) {
  if (!error) return null;
  if (!(error instanceof ApiError && error.details.length > 0)) return <ErrorBox error={error} />;
  return (
    <div role="alert" className="error-box">
      The server refused the event: {error.message}
    </div>
  );
}

/**
 * Every rule the form applies is core's `resolveEventFields`, the function the server validates
 * with; the HTML inputs carry no limits of their own.
 */
function EventForm({ event }: { event: EventView | null }) {
  const [values, setValues] = useState<FormValues>(() => (event ? formFromEvent(event) : emptyForm(viewerZone())));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [touched, setTouched] = useState(false);
  const base = useMemo(() => (event ? fieldsOf(event) : null), [event]);
  const effects = useEditPreview(event, values, base);
  const save = useSave(event, values, setErrors);
  const set: Setter = (key) => (e) => setValues((v) => ({ ...v, [key]: e.target.value }));

  // Once the user has tried to save, messages follow the fields as they change.
  useEffect(() => {
    if (touched) setErrors(validate(values, base));
  }, [values, base, touched]);

  const submit = (draft: boolean) => {
    setTouched(true);
    const found = validate(values, base);
    setErrors(found);
    if (Object.keys(found).length === 0) save.mutate({ draft });
  };
  const shown = touched ? errors : {};

  return (
    <form
      className="event-form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        submit(false);
      }}
    >
      <h1>{event ? `Edit “${event.title}”` : 'New event'}</h1>
      <SaveError error={save.error} />
      <TextFields values={values} shown={shown} set={set} />
      <DateFieldsets values={values} shown={shown} set={set} />
      {event && <EditPreview effects={effects} zone={values.timezone} />}
      <div className="actions">
        <button type="submit" disabled={save.isPending}>
          {event ? 'Save changes' : 'Create event'}
        </button>
        {!event && (
          <button type="button" className="secondary" disabled={save.isPending} onClick={() => submit(true)}>
            Save as draft
          </button>
        )}
      </div>
    </form>
  );
}
