import { ApiClient, ApiResponse } from './api-client';
import { expectStatus } from './totp';
import { LoggedInClient, logIn, registerUser, Service, TestUser, Transport } from './users';

/** The admin API (API.md "Administration"). */
export const ADMIN = '/api/v1/admin';
export const ADMIN_USERS = `${ADMIN}/users`;
export const AUDIT = `${ADMIN}/audit`;
export const adminUser = (id: string) => `${ADMIN_USERS}/${id}`;

/** A user of the directory (GET /admin/users): the profile of GET /users/me, and what an admin sees besides. */
export interface AdminUser {
  id: string;
  email: string;
  emailVerified: boolean;
  pendingEmail: string | null;
  name: string | null;
  roles: string[];
  mfaEnabled: boolean;
  hasPassword: boolean;
  createdAt: string;
  disabled: boolean;
  lastLoginAt: string | null;
  activeSessions: number;
}

export interface AdminSession {
  id: string;
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
  userAgent: string | null;
  ip: string | null;
  aal: string;
  amr: string[];
}

/** One user as GET /admin/users/:id answers it. */
export interface AdminUserDetails extends AdminUser {
  sessions: AdminSession[];
  mfa: { totp: { enabled: boolean; createdAt: string | null }; recoveryCodesRemaining: number };
  passkeys: number;
  identities: Array<{ id: string; provider: string; subject: string; email: string | null; linkedAt: string }>;
}

export interface AuditEntry {
  id: string;
  at: string;
  actorId: string | null;
  action: string;
  targetId: string | null;
  ip: string | null;
  details: Record<string, unknown> | null;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export const ADMIN_USER_KEYS = [
  'activeSessions',
  'createdAt',
  'disabled',
  'email',
  'emailVerified',
  'hasPassword',
  'id',
  'lastLoginAt',
  'mfaEnabled',
  'name',
  'pendingEmail',
  'roles',
];
export const ADMIN_USER_DETAILS_KEYS = [...ADMIN_USER_KEYS, 'identities', 'mfa', 'passkeys', 'sessions'].sort();
export const ADMIN_SESSION_KEYS = ['aal', 'amr', 'createdAt', 'expiresAt', 'id', 'ip', 'lastUsedAt', 'userAgent'];
export const AUDIT_ENTRY_KEYS = ['action', 'actorId', 'at', 'details', 'id', 'ip', 'targetId'];

/** A new user with the roles `user` and `admin` (granted in the database, as `npm run users:roles` would). */
export function registerAdmin(service: Service, options: { email?: string; name?: string } = {}): Promise<TestUser> {
  return registerUser(service, { ...options, roles: ['user', 'admin'] });
}

/** A new admin, logged in by password (an `aal1` session). */
export async function logInAdmin(service: Service, transport: Transport = 'body'): Promise<LoggedInClient> {
  return logIn(service, transport, await registerAdmin(service));
}

/** `path` with the query `params` (undefined ones left out). */
export function withQuery(path: string, params: Record<string, string | number | undefined>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) query.set(name, String(value));
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

/** One page of a list of the admin API (must answer 200). */
export async function pageOf<T>(client: ApiClient, path: string, params: Record<string, string | number | undefined>): Promise<Page<T>> {
  const response = expectStatus(`GET ${path}`, await client.get(withQuery(path, params)), 200);
  return response.body as Page<T>;
}

/**
 * Every page of a list, following `nextCursor` to the end; `between` runs
 * after each page (what happens while an admin pages through).
 */
export async function allPages<T>(
  client: ApiClient,
  path: string,
  params: Record<string, string | number | undefined>,
  between: (pageIndex: number) => Promise<unknown> = async () => undefined,
): Promise<T[][]> {
  const pages: T[][] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await pageOf<T>(client, path, { ...params, cursor });
    pages.push(page.items);
    if (page.nextCursor === null) return pages;
    if (pages.length > 1000) throw new Error(`${path} gave more than 1000 pages`);
    await between(pages.length - 1);
    cursor = page.nextCursor;
  }
}

/** The audit entries of `filter` (every page), newest first. */
export async function auditOf(client: ApiClient, filter: { actor?: string; target?: string }): Promise<AuditEntry[]> {
  return (await allPages<AuditEntry>(client, AUDIT, { ...filter, limit: 100 })).flat();
}

/** GET /admin/users/:id (must answer 200). */
export async function detailsOf(client: ApiClient, id: string): Promise<AdminUserDetails> {
  return expectStatus('admin user details', await client.get(adminUser(id)), 200).body as AdminUserDetails;
}

/** PATCH /admin/users/:id. */
export function patchUser(client: ApiClient, id: string, body: unknown): Promise<ApiResponse> {
  return client.patch(adminUser(id), body);
}

/** Every property name in `value`, at any depth. */
export function propertyNames(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(propertyNames);
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([key, inner]) => [key, ...propertyNames(inner)]);
  return [];
}
