import { formatInZone, WEBHOOK_TYPES, type WebhookCreated, type WebhookType, type WebhookView } from '@kairos/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { EmptyState, ErrorBox, Loading } from '../../components/Feedback.tsx';
import { Field } from '../../components/Field.tsx';
import { ApiError, api } from '../../lib/api.ts';
import { viewerZone } from '../../lib/time.ts';
import { DeliveryLog } from './DeliveryLog.tsx';

/** Webhooks (admin): endpoints, their delivery log with a retry button, and a form to add one. */
export function WebhooksPage() {
  const client = useQueryClient();
  const hooks = useQuery({ queryKey: ['webhooks'], queryFn: () => api<{ items: WebhookView[] }>('GET', '/webhooks') });
  const [open, setOpen] = useState<string | null>(null);
  const [created, setCreated] = useState<WebhookCreated | null>(null);
  const refresh = () => void client.invalidateQueries({ queryKey: ['webhooks'] });
  const remove = useMutation({ mutationFn: (id: string) => api('DELETE', `/webhooks/${id}`), onSuccess: refresh });
  const toggle = useMutation({
    mutationFn: (w: WebhookView) => api('PATCH', `/webhooks/${w.id}`, { active: !w.active }),
    onSuccess: refresh,
  });
  const items = hooks.data?.items ?? [];
  return (
    <section>
      <h1>Webhooks</h1>
      <p className="muted">
        Kairos POSTs every change to these addresses the moment it commits, signed as Standard Webhooks specify, and retries for
        about a day when they fail.
      </p>
      <ErrorBox error={hooks.error ?? remove.error ?? toggle.error} />
      {created && (
        <div className="notice" role="status">
          <p>
            Endpoint added. Its signing secret is shown <strong>only now</strong>: copy it into the receiver.
          </p>
          <code className="secret">{created.secret}</code>
          <button type="button" className="link" onClick={() => setCreated(null)}>
            Done
          </button>
        </div>
      )}
      {hooks.isPending ? (
        <Loading />
      ) : items.length === 0 ? (
        <EmptyState title="No webhooks yet">
          <p>Add an endpoint below to have transitions, event changes and registrations sent to it.</p>
        </EmptyState>
      ) : (
        <table>
          <thead>
            <tr>
              <th>URL</th>
              <th>Types</th>
              <th>State</th>
              <th>Added</th>
              <th>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((w) => (
              <tr key={w.id}>
                <td>
                  <code>{w.url}</code>
                  {w.description && <div className="muted">{w.description}</div>}
                </td>
                <td>{w.types.length === WEBHOOK_TYPES.length ? 'all' : w.types.join(', ')}</td>
                <td>{w.active ? 'active' : 'paused'}</td>
                <td>{formatInZone(Date.parse(w.createdAt), viewerZone())}</td>
                <td className="actions">
                  <button
                    type="button"
                    className="link"
                    onClick={() => setOpen(open === w.id ? null : w.id)}
                    aria-expanded={open === w.id}
                  >
                    {open === w.id ? 'Hide deliveries' : 'Deliveries'}
                  </button>
                  <button type="button" className="link" onClick={() => toggle.mutate(w)} disabled={toggle.isPending}>
                    {w.active ? 'Pause' : 'Resume'}
                  </button>
                  <button
                    type="button"
                    className="link"
                    disabled={remove.isPending}
                    onClick={() => {
                      if (window.confirm(`Remove the webhook to ${w.url}? Its delivery log goes with it.`)) remove.mutate(w.id);
                    }}
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {open && <DeliveryLog webhookId={open} />}
      <AddWebhook
        onCreated={(w) => {
          setCreated(w);
          refresh();
        }}
      />
    </section>
  );
}

function AddWebhook({ onCreated }: { onCreated: (w: WebhookCreated) => void }) {
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [types, setTypes] = useState<Set<WebhookType>>(new Set(WEBHOOK_TYPES));
  const create = useMutation({
    mutationFn: () =>
      api<WebhookCreated>('POST', '/webhooks', {
        url: url.trim(),
        ...(description.trim() ? { description: description.trim() } : {}),
        ...(types.size === WEBHOOK_TYPES.length ? {} : { types: WEBHOOK_TYPES.filter((t) => types.has(t)) }),
      }),
    onSuccess: (w) => {
      setUrl('');
      setDescription('');
      setTypes(new Set(WEBHOOK_TYPES));
      onCreated(w);
    },
  });
  const fieldError = (path: string) =>
    create.error instanceof ApiError ? create.error.details.find((d) => d.path === path)?.message : undefined;
  const flip = (t: WebhookType) =>
    setTypes((s) => {
      const next = new Set(s);
      if (!next.delete(t)) next.add(t);
      return next;
    });
  return (
    <form
      className="narrow"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate();
      }}
    >
      <h2>Add a webhook</h2>
      {create.error && !(create.error instanceof ApiError && create.error.details.length) && <ErrorBox error={create.error} />}
      <Field id="webhook-url" label="URL" error={fieldError('url')} note="An http or https address the server may call.">
        <input id="webhook-url" type="url" required value={url} onChange={(e) => setUrl(e.target.value)} />
      </Field>
      <Field id="webhook-description" label="Description" error={fieldError('description')}>
        <input id="webhook-description" value={description} onChange={(e) => setDescription(e.target.value)} />
      </Field>
      <fieldset>
        <legend>Types</legend>
        {WEBHOOK_TYPES.map((t) => (
          <label key={t} className="check">
            <input type="checkbox" checked={types.has(t)} onChange={() => flip(t)} /> {t}
          </label>
        ))}
        {fieldError('types') && (
          <p className="field-error" role="alert">
            Types {fieldError('types')}
          </p>
        )}
      </fieldset>
      <button type="submit" disabled={create.isPending || types.size === 0}>
        Add webhook
      </button>
    </form>
  );
}
