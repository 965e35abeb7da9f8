import type { ReactNode } from 'react';

/**
 * A labelled form field: the label, the control, an optional note, and the field's error (from
 * core's rules or the server's `details`), read out with the label so it makes sense alone.
 */
export function Field({
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
