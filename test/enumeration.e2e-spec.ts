import { randomUUID } from 'node:crypto';
import { MailSender } from '../src/mail/mail-sender.service';
import { AuthEventsService } from '../src/security-events/auth-events.service';
import { PasswordHasher } from '../src/users/password-hasher.service';
import { ApiResponse } from './support/api-client';
import { eventually } from './support/eventually';
import { outboxDrained } from './support/outbox';
import { QueryCounter } from './support/query-counter';
import { expectError } from './support/errors-assertions';
import { startTestApp, TestApp } from './support/test-app';
import { logIn, registerUser, TEST_PASSWORD, TestUser, Transport } from './support/users';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the module object itself (not an import-star copy), so that jest can spy on the hasher's argon2 calls.
import argon2 = require('@node-rs/argon2');

const LOGIN = '/api/v1/auth/login';
const WRONG_PASSWORD = 'not the right password';
/** Headers whose values belong to one request rather than to the answer. */
const PER_REQUEST_HEADERS = ['date', 'x-request-id'];

const unknownEmail = () => `nobody-${randomUUID()}@example.com`;

function stableHeaders(response: ApiResponse): Record<string, string> {
  return Object.fromEntries([...response.headers].filter(([name]) => !PER_REQUEST_HEADERS.includes(name)));
}

describe('no account probing', () => {
  let testApp: TestApp;
  let known: TestUser;
  beforeAll(async () => {
    testApp = await startTestApp();
    known = await registerUser(testApp);
  });
  afterAll(() => testApp.close());
  afterEach(() => jest.restoreAllMocks());

  const login = (email: string, password: string, transport: Transport = 'cookie') =>
    testApp.client().post(LOGIN, { email, password }, { headers: transport === 'body' ? { 'x-token-transport': 'body' } : {} });

  const lastEventSeq = async (): Promise<string> => (await testApp.dataSource.query('SELECT coalesce(max(seq), 0)::text AS seq FROM auth_events'))[0].seq;

  describe('login with an unknown email and with a wrong password', () => {
    it.each<Transport>(['cookie', 'body'])('answer the same 401 INVALID_CREDENTIALS body (%s transport)', async (transport) => {
      const unknown = await login(unknownEmail(), WRONG_PASSWORD, transport);
      const wrong = await login(known.email, WRONG_PASSWORD, transport);
      expectError(unknown, 401, 'INVALID_CREDENTIALS');
      expect(wrong.status).toBe(unknown.status);
      expect(wrong.body).toEqual(unknown.body);
    });

    it.each<Transport>(['cookie', 'body'])('answer the same headers, but for Date and X-Request-Id (%s transport)', async (transport) => {
      const unknown = await login(unknownEmail(), WRONG_PASSWORD, transport);
      const wrong = await login(known.email, WRONG_PASSWORD, transport);
      expect(Object.keys(stableHeaders(wrong)).sort()).toEqual(Object.keys(stableHeaders(unknown)).sort());
      expect(stableHeaders(wrong)).toEqual(stableHeaders(unknown));
    });

    it('verify an argon2id hash of the same parameters either way (a dummy one for the unknown email)', async () => {
      const verify = jest.spyOn(argon2, 'verify');
      await login(unknownEmail(), WRONG_PASSWORD);
      await login(known.email, WRONG_PASSWORD);
      const parameters = verify.mock.calls.map(([hash]) => String(hash).split('$').slice(1, 4).join('$'));
      expect(parameters).toEqual(['argon2id$v=19$m=19456,t=2,p=1', 'argon2id$v=19$m=19456,t=2,p=1']);
    });

    it('PasswordHasher.verify with no hash (the unknown-email path) resolves false, even for the dummy password', async () => {
      const hasher = testApp.app.get(PasswordHasher);
      await expect(hasher.verify(undefined, 'x')).resolves.toBe(false);
      await expect(hasher.verify(undefined, 'dummy password for unknown accounts')).resolves.toBe(false);
    });
  });

  describe('forgot password with an unknown and with a known email', () => {
    const forgot = (email: string) => testApp.client().post('/api/v1/auth/password/forgot', { email });

    it('answer the same 202, body and headers but for Date and X-Request-Id', async () => {
      const unknown = await forgot(unknownEmail());
      const knownAnswer = await forgot(known.email);
      expect(unknown.status).toBe(202);
      expect({ status: knownAnswer.status, body: knownAnswer.body }).toEqual({ status: unknown.status, body: unknown.body });
      expect(stableHeaders(knownAnswer)).toEqual(stableHeaders(unknown));
    });

    it('send the database the same statements, in a transaction that (on a server) does not wait for the disk either way', async () => {
      // The mail sender polls the outbox on its own clock; held here, so that only the requests' statements are recorded.
      await outboxDrained(testApp.dataSource);
      const sender = jest.spyOn(testApp.app.get<MailSender, { deliverDue(): Promise<void> }>(MailSender), 'deliverDue').mockResolvedValue();
      const queries = new QueryCounter(testApp.dataSource);
      try {
        const recovery = /mail_outbox|account_tokens|synchronous_commit/;
        await forgot(unknownEmail());
        const forUnknown = queries.sent(recovery);
        queries.reset();
        await forgot(known.email);
        const forKnown = queries.sent(recovery);
        // On the embedded database, which lives in the process, every commit waits for the disk.
        expect(forUnknown).toEqual([
          ...(testApp.config.databaseUrl ? ['SET LOCAL synchronous_commit TO off'] : []),
          expect.stringMatching(
            /^WITH account AS \(SELECT id AS user_id, NULL::uuid AS id, email FROM users WHERE email = \$1\), part0 AS \(INSERT INTO mail_outbox/,
          ),
        ]);
        expect(forKnown).toEqual(forUnknown);
      } finally {
        queries.stop();
        sender.mockRestore();
      }
    });
  });

  describe('the security trail', () => {
    it("records a login_failed event in a known user's trail", async () => {
      const user = await registerUser(testApp);
      expect((await login(user.email, WRONG_PASSWORD)).status).toBe(401);
      const { client } = await logIn(testApp, 'body', user);
      // The failed attempt is recorded without being awaited (so as not to slow known emails down).
      let events: { type: string; sessionId: string | null }[] = [];
      await eventually('the login_failed event in the trail', async () => {
        events = (await client.get('/api/v1/users/me/events')).body.items;
        return events.some((event) => event.type === 'login_failed');
      });
      expect(events.filter((event) => event.type === 'login_failed')).toEqual([expect.objectContaining({ sessionId: null })]);
    });

    it('records nothing anywhere for an unknown email', async () => {
      // Failed attempts are recorded without being awaited: the test awaits every recording the two logins started.
      const recordings = jest.spyOn(testApp.app.get(AuthEventsService), 'record');
      const before = await lastEventSeq();
      expect((await login(unknownEmail(), WRONG_PASSWORD)).status).toBe(401);
      // A known email's failed attempt shows that a recorded attempt does land in the rows read below.
      expect((await login(known.email, WRONG_PASSWORD)).status).toBe(401);
      // The known email's attempt started the only recording: the spy is in the path of the unawaited writes.
      expect(recordings).toHaveBeenCalledTimes(1);
      await Promise.allSettled(recordings.mock.results.map((result) => result.value));
      const written = await testApp.dataSource.query('SELECT user_id, type FROM auth_events WHERE seq > $1 ORDER BY seq', [before]);
      expect(written).toEqual([{ user_id: known.id, type: 'login_failed' }]);
    });
  });

  it('register with an existing email answers 409 EMAIL_TAKEN', async () => {
    // A documented probe the contract accepts: registration must say the email is taken. RATE_LIMIT_AUTH (per IP) bounds it.
    const response = await testApp.client().post('/api/v1/auth/register', { email: known.email.toUpperCase(), password: TEST_PASSWORD });
    expectError(response, 409, 'EMAIL_TAKEN');
  });
});
