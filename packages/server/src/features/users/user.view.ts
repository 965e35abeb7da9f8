import { formatInstant, type UserView } from '@kairos/core';
import type { UserRecord } from './users.repository.ts';

/** A user as the API answers it: never the password hash. */
export const toUserView = (u: UserRecord): UserView => ({
  id: u.id,
  email: u.email,
  name: u.name,
  role: u.role,
  createdAt: formatInstant(u.createdAt),
});
