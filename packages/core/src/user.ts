/**
 * Accounts (SPEC §3, §6): the user as the API answers it, the bodies that create one or sign
 * in, and the rules for their fields. The e-mail rule lives here once; registrations use it too.
 */
import Type, { type Static } from 'typebox';
import { ROLES } from './policy.ts';
import { InstantString } from './schema.ts';

export const MIN_PASSWORD_LENGTH = 12;
/** RFC 5321's limit on a forward path. */
export const EMAIL_MAX = 254;
export const EMAIL_MESSAGE = 'must be an email address like ada@example.org';

/** One spelling per mailbox (sign-in, "one registration per email"): trimmed, lower-cased. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

/**
 * Deliberately loose: one @ with something on each side, no spaces. Deliverability is not ours to
 * judge, and `admin@localhost` (the first start's admin, SPEC §9) must pass.
 */
export const isEmailAddress = (email: string): boolean =>
  email.length <= EMAIL_MAX &&
  /^[^\s@\p{Cc}\p{Cs}\u202a-\u202e\u2066-\u2069]+@[^\s@\p{Cc}\p{Cs}\u202a-\u202e\u2066-\u2069]+$/u.test(email);

export const UserView = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  role: Type.Enum(ROLES),
  createdAt: InstantString,
});
export type UserView = Static<typeof UserView>;

export const UserCreateBody = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 320 }),
    name: Type.Optional(Type.String({ maxLength: 200 })),
    role: Type.Enum(ROLES),
    password: Type.String({ minLength: 1, maxLength: 1024, description: `at least ${MIN_PASSWORD_LENGTH} characters` }),
  },
  { additionalProperties: false },
);
export type UserCreateBody = Static<typeof UserCreateBody>;

export const LoginBody = Type.Object(
  { email: Type.String({ minLength: 1, maxLength: 320 }), password: Type.String({ minLength: 1, maxLength: 1024 }) },
  { additionalProperties: false },
);
export type LoginBody = Static<typeof LoginBody>;

export const LoginResponse = Type.Object({ token: Type.String(), expiresAt: InstantString, user: UserView });
export type LoginResponse = Static<typeof LoginResponse>;
