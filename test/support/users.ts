import { randomUUID } from 'node:crypto';
import { ApiClient, ApiResponse } from './api-client';
import type { SmtpReceiver } from './smtp-receiver';
import { TestApp } from './test-app';

export const TEST_PASSWORD = 'correct horse battery staple';

export interface TestUser {
  id: string;
  email: string;
  password: string;
}

export type Transport = 'cookie' | 'body';

/** A running service: an app of this process, or a ServiceProcess (granting roles needs the app's DataSource). */
export type Service = Pick<TestApp, 'client'> & Partial<Pick<TestApp, 'dataSource'>>;

export interface LoggedInClient {
  client: ApiClient;
  user: TestUser;
  /** The login response. */
  login: ApiResponse;
  sessionId: string;
  /** Body transport: the current refresh token. */
  refreshToken?: string;
}

/** Registers a user with a unique email; `roles` are granted directly in the database (there is no route for it). */
export async function registerUser(testApp: Service, options: { email?: string; password?: string; name?: string; roles?: string[] } = {}): Promise<TestUser> {
  const email = options.email ?? `user-${randomUUID()}@example.com`;
  const password = options.password ?? TEST_PASSWORD;
  const response = await testApp.client().post('/api/v1/auth/register', { email, password, name: options.name });
  if (response.status !== 201) throw new Error(`register failed: ${response.status} ${JSON.stringify(response.body)}`);
  if (options.roles) {
    if (!testApp.dataSource) throw new Error('granting roles needs the DataSource of an app started in this process');
    await testApp.dataSource.query('UPDATE users SET roles = $1 WHERE id = $2', [options.roles, response.body.id]);
  }
  return { id: response.body.id, email: response.body.email, password };
}

/**
 * A client logged in as `user` (a new user when omitted). Body transport sends
 * `Authorization: Bearer`; cookie transport keeps the cookies and sends the CSRF token.
 */
export async function logIn(testApp: Service, transport: Transport, user?: TestUser, headers: Record<string, string> = {}): Promise<LoggedInClient> {
  const account = user ?? (await registerUser(testApp));
  const client = testApp.client();
  const login = await client.post(
    '/api/v1/auth/login',
    { email: account.email, password: account.password },
    { headers: transport === 'body' ? { 'x-token-transport': 'body', ...headers } : headers },
  );
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${JSON.stringify(login.body)}`);
  if (transport === 'body') client.bearer = login.body.accessToken;
  else client.csrfToken = login.body.csrfToken;
  return { client, user: account, login, sessionId: login.body.session.id, refreshToken: login.body.refreshToken };
}

/**
 * A new user whose address is verified (by following the link mailed on
 * registration, which `smtp` receives), logged in with a bearer token.
 */
export async function logInVerified(testApp: Service, smtp: SmtpReceiver): Promise<LoggedInClient> {
  const user = await registerUser(testApp);
  const { token } = await smtp.next(user.email, 'Confirm your email address');
  const verified = await testApp.client().post('/api/v1/auth/email/verify', { token });
  if (verified.status !== 204) throw new Error(`verify failed: ${verified.status} ${JSON.stringify(verified.body)}`);
  return logIn(testApp, 'body', user);
}
