import { wallTimeKind } from '@kairos/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useEffect, useMemo, useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { ErrorBox, Loading } from '../../components/Feedback.tsx';
import { ApiError, api } from '../../lib/api.ts';
import { viewerZone } from '../../lib/time.ts';
import type { EventView } from '../../lib/types.ts';
import { type EditEffects, EditPreview } from './EditPreview.tsx';
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

const DATE_LABELS: Record<DateKey, string> = {
  registrationOpensAt: 'Registration opens',
  registrationClosesAt: 'Registration closes',
  startsAt: 'Starts',
  endsAt: 'Ends',
  certificatesOpenAt: 'Certificates open',
  certificatesCloseAt: 'Certificates close',
};

function Field({
  id,
  label,
  error,
  note,
  children,
}: {
  id: string;
  label: string;
  error?: string | undefined;
  note?: ReactNode;
  children: ReactNode;
}) {
  return (
    <div className={`field${error ? ' has-error' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children}
      {note && <p className="note">{note}</p>}
      {error && (
        <p className="field-error" id={`${id}-error`} role="alert">
          {label} {error}
        </p>
      )}
    </div>
  );
}

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

function EventForm({ event }: { event: EventView | null }) {
  const navigate = useNavigate();
  const client = useQueryClient();
  const [values, setValues] = useState<FormValues>(() => (event ? formFromEvent(event) : emptyForm(viewerZone())));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [touched, setTouched] = useState(false);
  const [effects, setEffects] = useState<EditEffects | null>(null);
  const base = useMemo(() => (event ? fieldsOf(event) : null), [event]);
  const set = (key: keyof FormValues) => (e: { target: { value: string } }) =>
    setValues((v) => ({ ...v, [key]: e.target.value }));

  // Edit preview: ask the server what the edit would do, without writing (debounced).
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

  const save = useMutation({
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
      if (e instanceof ApiError && e.details.length > 0) setErrors(detailsToErrors(e.details));
    },
  });

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
  const zone = values.timezone;

  const dateNote = (key: DateKey): ReactNode => {
    const v = values[key];
    if (!v) return null;
    switch (wallTimeKind(v, zone)) {
      case 'gap':
        return `This time does not exist in ${zone}: clocks jump forward then. Pick another time.`;
      case 'overlap':
        return `This time happens twice in ${zone} (clocks go back); the earlier one is used.`;
      default:
        return null;
    }
  };

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
      {save.error && !(save.error instanceof ApiError && save.error.details.length > 0) && <ErrorBox error={save.error} />}
      {save.error instanceof ApiError && save.error.details.length > 0 && (
        <div role="alert" className="error-box">
          The server refused the event: {save.error.message}
        </div>
      )}
      <Field id="title" label="Title" error={shown.title}>
        <input id="title" value={values.title} onChange={set('title')} aria-invalid={!!shown.title} required maxLength={400} />
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
      {(
        [
          ['Registration window (optional: both or neither)', ['registrationOpensAt', 'registrationClosesAt']],
          ['The event', ['startsAt', 'endsAt']],
          ['Certificates window (optional: both or neither)', ['certificatesOpenAt', 'certificatesCloseAt']],
        ] as const
      ).map(([legend, keys]) => (
        <fieldset key={legend}>
          <legend>{legend}</legend>
          <div className="row">
            {keys.map((k) => (
              <Field key={k} id={k} label={DATE_LABELS[k]} error={shown[k]} note={dateNote(k)}>
                <input id={k} type="datetime-local" value={values[k]} onChange={set(k)} aria-invalid={!!shown[k]} />
              </Field>
            ))}
          </div>
        </fieldset>
      ))}
      {event && <EditPreview effects={effects} zone={zone} />}
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
