import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { ErrorBox } from '../../components/Feedback.tsx';
import { Field } from '../../components/Field.tsx';
import { api } from '../../lib/api.ts';
import type { User } from '../../lib/types.ts';

export function LoginPage() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const client = useQueryClient();
  const navigate = useNavigate();
  const login = useMutation({
    mutationFn: () => api<{ user: User }>('POST', '/auth/login', { email, password }),
    onSuccess: ({ user }) => {
      client.setQueryData(['me'], user);
      void client.invalidateQueries({ queryKey: ['events'] });
      navigate('/');
    },
  });
  return (
    <form
      className="narrow"
      onSubmit={(e) => {
        e.preventDefault();
        login.mutate();
      }}
    >
      <h1>Sign in</h1>
      <ErrorBox error={login.error} />
      <Field id="email" label="Email">
        <input
          id="email"
          type="email"
          autoComplete="username"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          required
        />
      </Field>
      <Field id="password" label="Password">
        <input
          id="password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          required
        />
      </Field>
      <button type="submit" disabled={login.isPending}>
        {login.isPending ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}
