/**
 * Who may do what to an event (SPEC §3). Pure, so the server enforces it and the web app hides
 * the buttons a user could not use, from the same rules.
 */
import type { Status } from './lifecycle.ts';

export const ROLES = ['admin', 'organizer'] as const;
export type Role = (typeof ROLES)[number];

export type Viewer = { role: 'public' } | { role: Role; userId: string };

export interface Owned {
  status: Status;
  createdBy: string;
}

/** What anyone, signed in or not, may read. */
export const PUBLIC_STATUSES: readonly Status[] = ['upcoming', 'ongoing', 'completed', 'cancelled'];

export const isPublicStatus = (status: Status): boolean => PUBLIC_STATUSES.includes(status);

const owns = (v: Viewer, e: Owned): boolean => v.role !== 'public' && e.createdBy === v.userId;

export function canRead(v: Viewer, e: Owned): boolean {
  return isPublicStatus(e.status) || v.role === 'admin' || owns(v, e);
}

export function canEdit(v: Viewer, e: Owned): boolean {
  if (v.role === 'admin') return true;
  return owns(v, e) && e.status !== 'declined' && e.status !== 'cancelled';
}

export function canDelete(v: Viewer, e: Owned): boolean {
  if (v.role === 'admin') return true;
  return owns(v, e) && (e.status === 'draft' || e.status === 'pending_approval');
}

export function canCancel(v: Viewer, e: Owned): boolean {
  return v.role === 'admin' || owns(v, e);
}

export function canSubmit(v: Viewer, e: Owned): boolean {
  return v.role === 'admin' || owns(v, e);
}

export const canReview = (v: Viewer): boolean => v.role === 'admin';
export const canCreate = (v: Viewer): boolean => v.role !== 'public';

/** Registrations of an event (list, check-in, cancel for someone): admins and the organizer who owns it. */
export function canManageAttendees(v: Viewer, e: Pick<Owned, 'createdBy'>): boolean {
  return v.role === 'admin' || (v.role !== 'public' && e.createdBy === v.userId);
}

/**
 * The workflow's state rules (SPEC §3): the statuses each action may start from. Cancel needs an
 * approved event that has not ended: `cancelled` is public, so cancelling a draft or pending
 * event would publish something nobody approved (delete or decline it instead).
 */
export const WORKFLOW_FROM = {
  submit: ['draft'],
  approve: ['pending_approval'],
  decline: ['pending_approval'],
  cancel: ['upcoming', 'ongoing'],
} as const satisfies Record<string, readonly Status[]>;
export type WorkflowAction = keyof typeof WORKFLOW_FROM;

export const allows = (action: WorkflowAction, status: Status): boolean =>
  (WORKFLOW_FROM[action] as readonly Status[]).includes(status);
