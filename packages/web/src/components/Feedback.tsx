import type { ReactNode } from 'react';
import { ApiError } from '../lib/api.ts';

export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div role="alert" className="error-box">
      {error instanceof ApiError && error.status === 404
        ? 'Not found — it may have been deleted, or you may not have access.'
        : message}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <p className="empty-title">{title}</p>
      {children}
    </div>
  );
}

export const Loading = () => (
  <p className="muted" aria-live="polite">
    Loading…
  </p>
);
