import { MIN_PASSWORD_LENGTH, ROLES } from '@kairos/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ErrorBox, Loading } from '../../components/Feedback.tsx';
import { Field } from '../../components/Field.tsx';
import { ApiError, api } from '../../lib/api.ts';
import type { User } from '../../lib/types.ts';

const LABELS = { email: 'Email', name: 'Name', password: 'Password' };

export function UsersPage() {
  const client = useQueryClient();
  const users = useQuery({ queryKey: ['users'], queryFn: () => api<{ items: User[] }>('GET', '/users') });
  const [form, setForm] = useState({ email: '', name: '', role: 'organizer', password: '' });
  const create = useMutation({
    mutationFn: () => api<User>('POST', '/users', form),
    onSuccess: () => {
      setForm({ email: '', name: '', role: 'organizer', password: '' });
      void client.invalidateQueries({ queryKey: ['users'] });
    },
  });
  const fieldError = (path: string) =>
    create.error instanceof ApiError ? create.error.details.find((d) => d.path === path)?.message : undefined;
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));
  return (
    <section>
      <h1>Users</h1>
      <ErrorBox error={users.error} />
      {users.isPending ? (
        <Loading />
      ) : (
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Email</th>
              <th>Role</th>
            </tr>
          </thead>
          <tbody>
            {users.data?.items.map((u) => (
              <tr key={u.id}>
                <td>{u.name}</td>
                <td>{u.email}</td>
                <td>{u.role}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form
        className="narrow"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <h2>Add a user</h2>
        {create.error && !(create.error instanceof ApiError && create.error.details.length) && <ErrorBox error={create.error} />}
        {(['email', 'name', 'password'] as const).map((k) => (
          <Field
            key={k}
            id={`user-${k}`}
            label={LABELS[k]}
            error={fieldError(k)}
            note={k === 'password' ? `At least ${MIN_PASSWORD_LENGTH} characters.` : undefined}
          >
            <input
              id={`user-${k}`}
              type={k === 'password' ? 'password' : k === 'email' ? 'email' : 'text'}
              value={form[k]}
              onChange={set(k)}
            />
          </Field>
        ))}
        <Field id="user-role" label="Role">
          <select id="user-role" value={form.role} onChange={set('role')}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r[0]?.toUpperCase() + r.slice(1)}
              </option>
            ))}
          </select>
        </Field>
        <button type="submit" disabled={create.isPending}>
          Add user
        </button>
      </form>
    </section>
  );
}
