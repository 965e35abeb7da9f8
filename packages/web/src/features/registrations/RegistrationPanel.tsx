import { ATTENDEE_PHASES, datesOfView, displayState, type EventView, lifecycleAt } from '@kairos/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { ErrorBox } from '../../components/Feedback.tsx';
import { Field } from '../../components/Field.tsx';
import { phaseLabel } from '../../components/StatusBadge.tsx';
import { ApiError, api } from '../../lib/api.ts';
import type { RegistrationCreated } from '../../lib/types.ts';

/**
 * The registration form: open exactly while the dates say registration is open (computed with
 * the shared lifecycle function at the screen's boundary-driven `now`); the server decides again
 * from its own clock when the form is sent.
 */
export function RegistrationPanel({ event, now }: { event: EventView; now: number }) {
  const client = useQueryClient();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const dates = datesOfView(event);
  const state = displayState({ ...dates, status: event.status, phase: event.phase }, now);
  const register = useMutation({
    mutationFn: () => api<RegistrationCreated>('POST', `/events/${encodeURIComponent(event.id)}/registrations`, { name, email }),
    onSuccess: () => void client.invalidateQueries({ queryKey: ['event', event.id] }),
  });
  if (event.registrationOpensAt === null) return null;
  const places =
    event.capacity === null
      ? `${event.registered} registered`
      : `${event.registered} of ${event.capacity} places taken${event.waitlisted ? ` · ${event.waitlisted} on the waitlist` : ''}`;

  if (register.data) {
    const r = register.data;
    const link = `/registrations/${encodeURIComponent(r.id)}?token=${encodeURIComponent(r.token)}`;
    return (
      <section className="panel" aria-live="polite">
        <h2>Registration</h2>
        <p role="status">
          {r.status === 'confirmed' ? 'You are registered.' : `The event is full: you are number ${r.position} on the waitlist.`}
        </p>
        <p>
          Keep this link to see or cancel your registration and, later, to fetch your certificate:{' '}
          <Link to={link}>your registration</Link>
        </p>
      </section>
    );
  }
  const open = state.phase === ATTENDEE_PHASES.register;
  const fieldError = (path: string) =>
    register.error instanceof ApiError ? register.error.details.find((d) => d.path === path)?.message : undefined;
  return (
    <section className="panel" data-registration={open ? 'open' : 'closed'}>
      <h2>Registration</h2>
      <p className="muted">{places}</p>
      {open ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            register.mutate();
          }}
        >
          <div className="row">
            <Field id="reg-name" label="Your name" error={fieldError('name')}>
              <input id="reg-name" value={name} onChange={(e) => setName(e.target.value)} required autoComplete="name" />
            </Field>
            <Field id="reg-email" label="Email" error={fieldError('email')}>
              <input
                id="reg-email"
                type="email"
                value={email}
                onChange={(e) => setEmail(e.target.value)}
                required
                autoComplete="email"
              />
            </Field>
          </div>
          <button type="submit" disabled={register.isPending}>
            Register
          </button>
          {register.error && !fieldError('name') && !fieldError('email') && <ErrorBox error={register.error} />}
        </form>
      ) : (
        <p>
          {lifecycleAt(dates, now).phase === 'registration_not_started'
            ? 'Registration is not open yet.'
            : `Registration is closed (${phaseLabel(state.phase).toLowerCase()}).`}
        </p>
      )}
    </section>
  );
}
