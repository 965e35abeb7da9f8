/**
 * Accounts and sessions. Tokens are 256 random bits handed to the client once; the database
 * keeps only their HMAC under the server secret, so sessions survive restarts, logout really
 * revokes, and a copy of the database yields no usable token.
 */
import { createHmac, randomBytes } from 'node:crypto';
import {
  EMAIL_MESSAGE,
  isEmailAddress,
  KairosError,
  MIN_PASSWORD_LENGTH,
  normalizeEmail,
  type Role,
  textProblem,
} from '@kairos/core';
import type { Clock } from '../../clock.ts';
import type { SessionCheck, Store } from '../../db/store.ts';
import { SlidingWindow } from '../../limits/sliding-window.ts';
import { ensureSetting } from '../settings/settings.repository.ts';
import {
  countUsers,
  findUserByEmail,
  findUserBySession,
  insertUser,
  listUsers,
  type UserRecord,
  updateUserPassword,
} from '../users/users.repository.ts';
import { decoyHash, hashPassword, verifyPassword } from './passwords.ts';
import { deleteSession, insertSession, sessionsWithRoles } from './sessions.repository.ts';

export interface AuthDeps {
  store: Store;
  clock: Clock;
  secret: string | null;
  sessionTtlMs: number;
  loginMaxFailures: number;
  /** Failures from one address across all emails (SPEC §6: 20 in the window by default). */
  loginMaxFailuresPerAddress: number;
  loginWindowMs: number;
}

/** A session a live stream was opened with; `id` is the stored token hash, never the token. */
export interface OpenSession {
  id: string;
  userId: string;
  role: Role;
  expiresAt: number;
}

/** Rights that ended in this process: one session (logout), or all of a user's (removed, role changed). */
export type SessionEnd = { sessionId: string } | { userId: string };

/** What the live hub needs to end streams with their sessions (SPEC §7). */
export interface SessionGuard {
  onEnd(listener: (end: SessionEnd) => void): () => void;
  /** The ids of these sessions that still grant the role they were opened with. */
  stillValid(sessions: readonly OpenSession[]): Promise<Set<string>>;
}

/**
 * How long a looked-up session may stand in for a lookup (`authenticateForWrite`): every use is
 * still checked in the database, in the write's own BEGIN or before the answer; this only bounds
 * how stale the user's other fields (name, email) can be in such a request. At most `RECENT_MAX`.
 */
const RECENT_MS = 60_000;
const RECENT_MAX = 10_000;

const BAD_LOGIN = 'email or password is incorrect';
export const rateLimited = (message: string, retryAfter: number) =>
  Object.assign(new KairosError('rate_limited', message), { retryAfter });
const taken = () =>
  new KairosError('validation_failed', 'email is already taken', [{ path: 'email', message: 'is already taken' }]);
/** SQLite and PostgreSQL name a unique-constraint failure differently. */
const isUniqueViolation = (error: unknown): boolean => {
  const code = (error as { code?: string } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
};

export class AuthService implements SessionGuard {
  private secret: string | null;
  /** Failed logins per (email, address), and per address across emails. */
  private readonly perAccount: SlidingWindow;
  private readonly perAddress: SlidingWindow;
  private readonly endListeners = new Set<(end: SessionEnd) => void>();
  /** Sessions looked up lately (PostgreSQL), oldest first: `authenticateForWrite`. */
  private readonly recent = new Map<string, { user: UserRecord; expiresAt: number; seenAt: number }>();

  constructor(private readonly deps: AuthDeps) {
    this.secret = deps.secret;
    this.perAccount = new SlidingWindow(deps.loginMaxFailures, deps.loginWindowMs);
    this.perAddress = new SlidingWindow(deps.loginMaxFailuresPerAddress, deps.loginWindowMs);
  }

  /** The signing secret: configured, or generated once and kept in the database. */
  async init(): Promise<void> {
    const generated = randomBytes(32).toString('base64url');
    this.secret ??= await this.deps.store.write((tx) => ensureSetting(tx.db, 'session_secret', generated));
  }

  private hash(token: string): string {
    if (!this.secret) throw new Error('AuthService.init() was not called');
    return createHmac('sha256', this.secret).update(token).digest('base64url');
  }

  async login(email: string, password: string, address: string): Promise<{ token: string; user: UserRecord; expiresAt: number }> {
    const now = this.deps.clock.now();
    const key = `${normalizeEmail(email)}|${address}`;
    const wait = Math.max(this.perAccount.retryAfter(key, now), this.perAddress.retryAfter(address, now));
    if (wait > 0) throw rateLimited(`too many failed logins; try again in ${wait} s`, wait);
    // Counted as a failure before the (slow) check and forgiven on success: attempts sent all at
    // once cannot all pass the limit while their password checks are still running.
    this.perAccount.hit(key, now);
    this.perAddress.hit(address, now);
    const user = await findUserByEmail(this.deps.store.db, email);
    // Unknown emails cost a full scrypt too: timing tells nothing about which accounts exist.
    const ok = await verifyPassword(password, user?.passwordHash ?? (await decoyHash()));
    if (!user || !ok) throw new KairosError('unauthenticated', BAD_LOGIN);
    this.perAccount.clear(key);
    this.perAddress.forgive(address, now);
    const token = randomBytes(32).toString('base64url');
    const expiresAt = now + this.deps.sessionTtlMs;
    const session = { tokenHash: this.hash(token), userId: user.id, createdAt: now, expiresAt };
    await this.deps.store.write((tx) => insertSession(tx.db, session));
    return { token, user, expiresAt };
  }

  async logout(token: string): Promise<void> {
    const tokenHash = this.hash(token);
    await this.deps.store.write((tx) => deleteSession(tx.db, tokenHash));
    this.announce({ sessionId: tokenHash });
  }

  onEnd(listener: (end: SessionEnd) => void): () => void {
    this.endListeners.add(listener);
    return () => this.endListeners.delete(listener);
  }

  /** Tell listeners (the live hub) that rights ended; a failing listener does not undo the write. */
  private announce(end: SessionEnd): void {
    if ('sessionId' in end) this.recent.delete(end.sessionId);
    else for (const [id, r] of this.recent) if (r.user.id === end.userId) this.recent.delete(id);
    for (const listener of this.endListeners) {
      try {
        listener(end);
      } catch (error) {
        process.emitWarning(`session end listener failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  /** The session behind a token, for a stream to watch; null when unknown, revoked or expired. */
  async session(token: string): Promise<OpenSession | null> {
    const id = this.hash(token);
    const found = await findUserBySession(this.deps.store.db, id, this.deps.clock.now());
    return found ? { id, userId: found.user.id, role: found.user.role, expiresAt: found.expiresAt } : null;
  }

  async stillValid(sessions: readonly OpenSession[]): Promise<Set<string>> {
    const current = await sessionsWithRoles(
      this.deps.store.db,
      sessions.map((s) => s.id),
      this.deps.clock.now(),
    );
    return new Set(sessions.filter((s) => current.get(s.id) === s.role).map((s) => s.id));
  }

  /** The user a token belongs to, or null when it is unknown, revoked or expired. */
  async authenticate(token: string): Promise<UserRecord | null> {
    const tokenHash = this.hash(token);
    const found = await findUserBySession(this.deps.store.db, tokenHash, this.deps.clock.now());
    if (found && this.deps.store.dialect === 'postgres') this.remember(tokenHash, found.user, found.expiresAt);
    else this.recent.delete(tokenHash);
    return found?.user ?? null;
  }

  /**
   * For a request whose only effects are one write (`config.sessionInWrite`): on PostgreSQL, a
   * session this instance looked up in the last `RECENT_MS` is taken from memory with a check for
   * the write to make in its own BEGIN (`WriteOptions.session`, one round trip fewer per write),
   * which fails the write if another instance revoked the session meanwhile. Without a write to
   * check it, the request checks it before answering (`registerAuth`). Else as `authenticate`.
   */
  async authenticateForWrite(token: string): Promise<{ user: UserRecord; check: SessionCheck | null } | null> {
    const tokenHash = this.hash(token);
    const now = this.deps.clock.now();
    const hit = this.recent.get(tokenHash);
    if (hit && hit.expiresAt > now && now - hit.seenAt < RECENT_MS) {
      return { user: hit.user, check: { tokenHash, userId: hit.user.id, role: hit.user.role, at: now, verified: false } };
    }
    const user = await this.authenticate(token);
    return user ? { user, check: null } : null;
  }

  private remember(tokenHash: string, user: UserRecord, expiresAt: number): void {
    this.recent.delete(tokenHash);
    if (this.recent.size >= RECENT_MAX) this.recent.delete(this.recent.keys().next().value as string);
    this.recent.set(tokenHash, { user, expiresAt, seenAt: this.deps.clock.now() });
  }

  async listUsers(): Promise<UserRecord[]> {
    return listUsers(this.deps.store.db);
  }

  async createUser(input: { email: string; name?: string | undefined; role: Role; password: string }): Promise<UserRecord> {
    const email = normalizeEmail(input.email);
    const details = [];
    if (!isEmailAddress(email)) details.push({ path: 'email', message: EMAIL_MESSAGE });
    const badName = input.name === undefined ? null : textProblem(input.name.trim(), 'line');
    if (badName) details.push({ path: 'name', message: badName });
    if ([...input.password].length < MIN_PASSWORD_LENGTH) {
      details.push({ path: 'password', message: `must be at least ${MIN_PASSWORD_LENGTH} characters` });
    }
    if (details.length > 0) throw new KairosError('validation_failed', `${details[0]?.path} ${details[0]?.message}`, details);
    if (await findUserByEmail(this.deps.store.db, email)) throw taken();
    const user: UserRecord = {
      id: `usr_${randomBytes(9).toString('base64url')}`,
      email,
      name: input.name?.trim() || email.split('@')[0] || email,
      role: input.role,
      passwordHash: await hashPassword(input.password),
      createdAt: this.deps.clock.now(),
    };
    try {
      await this.deps.store.write((tx) => insertUser(tx.db, user));
    } catch (error) {
      // Two requests for the same email at once: the unique index decides, the loser gets a 400.
      if (isUniqueViolation(error)) throw taken();
      throw error;
    }
    return user;
  }

  /**
   * SPEC §9 first start: make sure the configured admin exists with the configured password;
   * with none configured and no user at all, create admin@localhost with a random password and
   * return it so the caller prints it once.
   */
  async ensureAdmin(
    email: string | null,
    password: string | null,
  ): Promise<{ email: string; generatedPassword: string | null } | null> {
    if (email && password) {
      const existing = await findUserByEmail(this.deps.store.db, email);
      if (!existing) {
        // Cluster instances starting together race to create this admin; the unique index picks one.
        await this.createUser({ email, role: 'admin', password, name: 'Administrator' }).catch(async (error: unknown) => {
          if (!(await findUserByEmail(this.deps.store.db, email))) throw error;
        });
      } else if (!(await verifyPassword(password, existing.passwordHash)) || existing.role !== 'admin') {
        const hash = await hashPassword(password);
        await this.deps.store.write((tx) => updateUserPassword(tx.db, existing.id, hash, 'admin'));
        if (existing.role !== 'admin') this.announce({ userId: existing.id });
      }
      return { email, generatedPassword: null };
    }
    if ((await countUsers(this.deps.store.db)) > 0) return null;
    const generated = randomBytes(12).toString('base64url');
    await this.createUser({ email: 'admin@localhost', role: 'admin', password: generated, name: 'Administrator' });
    return { email: 'admin@localhost', generatedPassword: generated };
  }
}
