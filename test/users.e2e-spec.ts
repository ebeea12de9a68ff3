import { randomUUID } from 'node:crypto';
import { startTestApp, TestApp } from './support/test-app';
import { logIn, registerUser, TEST_PASSWORD } from './support/users';

/** A syntactically valid address of exactly `length` characters (64-character local part, labels of at most 63). */
function emailOfLength(length: number): string {
  const local = randomUUID().replace(/-/g, '').padEnd(64, 'a');
  const domain = `${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(length - 64 - 1 - 128 - 4)}.com`;
  return `${local}@${domain}`;
}

const uniqueEmail = (prefix = 'user') => `${prefix}-${randomUUID()}@example.com`;

describe('users', () => {
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await startTestApp();
  });
  afterAll(() => testApp.close());

  const register = (body: Record<string, unknown>) => testApp.client().post('/api/v1/auth/register', body);
  const login = (email: string, password: string) => testApp.client().post('/api/v1/auth/login', { email, password });

  describe('POST /api/v1/auth/register', () => {
    it('answers 201 with the user, and never a password hash', async () => {
      const email = uniqueEmail();
      const response = await register({ email, password: TEST_PASSWORD, name: 'Ann' });
      expect(response.status).toBe(201);
      expect(response.body).toEqual({
        id: expect.any(String),
        email,
        emailVerified: false,
        pendingEmail: null,
        name: 'Ann',
        roles: ['user'],
        mfaEnabled: false,
        hasPassword: true,
        createdAt: expect.any(String),
      });
    });

    it('trims, NFKC-normalises and lower-cases the email, and login finds it in its plain form', async () => {
      const response = await register({ email: ' \uFF21\uFF2E\uFF2E@Example.COM ', password: TEST_PASSWORD });
      expect(response.status).toBe(201);
      expect(response.body.email).toBe('ann@example.com');
      const [stored] = await testApp.dataSource.query('SELECT email FROM users WHERE id = $1', [response.body.id]);
      expect(stored.email).toBe('ann@example.com');
      expect((await login('ann@example.com', TEST_PASSWORD)).status).toBe(200);
    });

    it('answers 400 VALIDATION_FAILED with details for the email field on an invalid email', async () => {
      const response = await register({ email: 'not-an-email', password: TEST_PASSWORD });
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
      expect(response.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'email' })]));
    });

    it('accepts an email of 254 characters', async () => {
      const email = emailOfLength(254);
      expect(email).toHaveLength(254);
      const response = await register({ email, password: TEST_PASSWORD });
      expect(response.status).toBe(201);
      expect(response.body.email).toBe(email);
    });

    it('answers 400 VALIDATION_FAILED on an email over 254 characters', async () => {
      const email = emailOfLength(255);
      expect(email).toHaveLength(255);
      const response = await register({ email, password: TEST_PASSWORD });
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
      expect(response.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'email' })]));
    });

    it.each([7, 257])('answers 400 VALIDATION_FAILED on a password of %i characters', async (length) => {
      const response = await register({ email: uniqueEmail(), password: 'p'.repeat(length) });
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
      expect(response.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'password' })]));
    });

    it.each([8, 256])('accepts a password of %i characters, which then logs in', async (length) => {
      const email = uniqueEmail();
      const password = 'p'.repeat(length);
      expect((await register({ email, password })).status).toBe(201);
      expect((await login(email, password)).status).toBe(200);
    });

    it('answers 400 VALIDATION_FAILED on an unknown property', async () => {
      const response = await register({ email: uniqueEmail(), password: TEST_PASSWORD, roles: ['admin'] });
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
    });

    it('answers 409 EMAIL_TAKEN for an email already registered, also in another case', async () => {
      const email = uniqueEmail('dup');
      expect((await register({ email, password: TEST_PASSWORD })).status).toBe(201);
      for (const again of [email, `  ${email.toUpperCase()}`]) {
        const response = await register({ email: again, password: TEST_PASSWORD });
        expect(response.status).toBe(409);
        expect(response.body.code).toBe('EMAIL_TAKEN');
      }
    });

    it('makes the name optional: null when absent', async () => {
      const response = await register({ email: uniqueEmail(), password: TEST_PASSWORD });
      expect(response.status).toBe(201);
      expect(response.body.name).toBeNull();
    });
  });

  describe('look-alike emails', () => {
    it.each([
      ['a zero-width joiner', '\u200d'],
      ['a zero-width space', '\u200b'],
      ['a soft hyphen', '\u00ad'],
      ['a byte-order mark', '\ufeff'],
      ['a right-to-left override', '\u202e'],
      ['a left-to-right mark', '\u200e'],
      ['a word joiner', '\u2060'],
      ['a control character', '\u0007'],
      ['a tab', '\t'],
    ])('refuses an email holding %s with 400 VALIDATION_FAILED on register and login, leaving one account', async (_label, character) => {
      const victim = await registerUser(testApp);
      const [local, domain] = victim.email.split('@');
      const lookAlike = `${local}${character}@${domain}`;
      const registered = await register({ email: lookAlike, password: TEST_PASSWORD });
      expect({ status: registered.status, code: registered.body.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
      expect(registered.body.details).toEqual([expect.objectContaining({ field: 'email' })]);
      const loggedIn = await login(lookAlike, TEST_PASSWORD);
      expect({ status: loggedIn.status, code: loggedIn.body.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
      const [{ count }] = await testApp.dataSource.query('SELECT count(*)::int AS count FROM users WHERE email LIKE $1', [`${local}%`]);
      expect(count).toBe(1);
    });

    it.each([
      ['a long solidus on an ASCII letter', 'victim\u0338'],
      ['a combining short stroke on an ASCII letter', 'vict\u0335im'],
      ['a mark with no letter before it', '\u0301victim'],
      ['a mark on an ASCII digit', 'victim1\u20e3'],
    ])('refuses an email holding %s (still a combining mark after NFKC)', async (_label, local) => {
      const response = await register({ email: `${local}-${randomUUID()}@example.com`, password: TEST_PASSWORD });
      expect({ status: response.status, code: response.body.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
      expect(response.body.details).toEqual([expect.objectContaining({ field: 'email' })]);
    });

    it.each([
      ['a quoted local part holding another address', '"attacker@evil.example"@company.example'],
      ['a quoted local part', '"ann"@example.com'],
      ['a leading dot', '.ann@example.com'],
      ['a doubled dot', 'ann..lee@example.com'],
      ['a trailing dot', 'ann.@example.com'],
    ])('refuses an email with %s (only plain dot-atom local parts), on register, login and forgot-password', async (_label, email) => {
      for (const response of [
        await register({ email, password: TEST_PASSWORD }),
        await login(email, TEST_PASSWORD),
        await testApp.client().post('/api/v1/auth/password/forgot', { email }),
      ]) {
        expect({ status: response.status, code: response.body.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
        expect(response.body.details).toEqual([expect.objectContaining({ field: 'email' })]);
      }
      const [{ count }] = await testApp.dataSource.query(`SELECT count(*)::int AS count FROM users WHERE email LIKE '%"%'`);
      expect(count).toBe(0);
    });

    it('accepts the plain local parts people have: dots, plus tags, apostrophes, non-ASCII letters', async () => {
      for (const local of ['ann.lee', 'ann+tag', "o'brien", 'josé', 'ｊｏｅ']) {
        const response = await register({ email: `${local}-${randomUUID()}@example.com`, password: TEST_PASSWORD });
        expect(response.status).toBe(201);
      }
    });

    it('accepts e + combining acute, which NFKC composes into é, and finds it by the composed form', async () => {
      const local = `rene\u0301-${randomUUID()}`;
      const response = await register({ email: `${local}@example.com`, password: TEST_PASSWORD });
      expect(response.status).toBe(201);
      expect(response.body.email).toBe(`${local.normalize('NFKC')}@example.com`);
      expect(response.body.email).toContain('\u00e9');
      expect((await login(response.body.email, TEST_PASSWORD)).status).toBe(200);
    });

    it('accepts scripts that need marks on their letters (Devanagari)', async () => {
      const email = `\u0928\u092e\u0938\u094d\u0924\u0947-${randomUUID()}@example.com`;
      const response = await register({ email, password: TEST_PASSWORD });
      expect(response.status).toBe(201);
      expect((await login(email, TEST_PASSWORD)).status).toBe(200);
    });
  });

  describe('POST /api/v1/auth/login', () => {
    it('answers a wrong password and an unknown email alike: 401 INVALID_CREDENTIALS with identical bodies', async () => {
      const user = await registerUser(testApp);
      const wrongPassword = await login(user.email, 'not the password');
      const unknownEmail = await login(uniqueEmail('nobody'), 'not the password');
      expect(wrongPassword.status).toBe(401);
      expect(wrongPassword.body.code).toBe('INVALID_CREDENTIALS');
      expect(unknownEmail.status).toBe(401);
      expect(unknownEmail.body).toEqual(wrongPassword.body);
    });
  });

  describe('/api/v1/users/me', () => {
    it('GET answers the profile of the signed-in user', async () => {
      const user = await registerUser(testApp, { name: 'Ann' });
      const { client } = await logIn(testApp, 'body', user);
      const response = await client.get('/api/v1/users/me');
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        id: user.id,
        email: user.email,
        emailVerified: false,
        pendingEmail: null,
        name: 'Ann',
        roles: ['user'],
        mfaEnabled: false,
        hasPassword: true,
        createdAt: expect.any(String),
      });
    });

    it('PATCH changes the name: 200 with the new name, which is persisted', async () => {
      const { client } = await logIn(testApp, 'cookie', await registerUser(testApp, { name: 'Ann' }));
      const response = await client.patch('/api/v1/users/me', { name: 'Annie' });
      expect(response.status).toBe(200);
      expect(response.body.name).toBe('Annie');
      expect((await client.get('/api/v1/users/me')).body.name).toBe('Annie');
    });

    it('PATCH with an unknown property answers 400 VALIDATION_FAILED and changes nothing', async () => {
      const { client, user } = await logIn(testApp, 'body', await registerUser(testApp, { name: 'Ann' }));
      const response = await client.patch('/api/v1/users/me', { name: 'Mallory', email: uniqueEmail('mallory') });
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
      const me = (await client.get('/api/v1/users/me')).body;
      expect(me.email).toBe(user.email);
      expect(me.name).toBe('Ann');
    });

    it.each(['', '   '])('PATCH with an empty name (%j) answers 400 VALIDATION_FAILED', async (name) => {
      const { client } = await logIn(testApp, 'body', await registerUser(testApp, { name: 'Ann' }));
      const response = await client.patch('/api/v1/users/me', { name });
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
      expect((await client.get('/api/v1/users/me')).body.name).toBe('Ann');
    });
  });

  describe('POST /api/v1/users/me/password', () => {
    const NEW_PASSWORD = 'a brand new passphrase';

    it('answers 401 INVALID_CREDENTIALS on a wrong current password, and keeps the password', async () => {
      const { client, user } = await logIn(testApp, 'body');
      const response = await client.post('/api/v1/users/me/password', { currentPassword: 'not the password', newPassword: NEW_PASSWORD });
      expect(response.status).toBe(401);
      expect(response.body.code).toBe('INVALID_CREDENTIALS');
      expect((await login(user.email, user.password)).status).toBe(200);
      expect((await login(user.email, NEW_PASSWORD)).status).toBe(401);
    });

    it('answers 204 and ends every other session of the user, keeping the current one', async () => {
      const user = await registerUser(testApp);
      const current = await logIn(testApp, 'body', user);
      const others = [await logIn(testApp, 'body', user), await logIn(testApp, 'cookie', user)];
      const response = await current.client.post('/api/v1/users/me/password', { currentPassword: user.password, newPassword: NEW_PASSWORD });
      expect(response.status).toBe(204);
      for (const other of others) {
        const after = await other.client.get('/api/v1/users/me');
        expect(after.status).toBe(401);
        expect(after.body.code).toBe('SESSION_REVOKED');
      }
      expect((await current.client.get('/api/v1/users/me')).status).toBe(200);
    });

    it('makes the new password log in and the old one fail', async () => {
      const { client, user } = await logIn(testApp, 'body');
      await client.post('/api/v1/users/me/password', { currentPassword: user.password, newPassword: NEW_PASSWORD });
      const old = await login(user.email, user.password);
      expect(old.status).toBe(401);
      expect(old.body.code).toBe('INVALID_CREDENTIALS');
      expect((await login(user.email, NEW_PASSWORD)).status).toBe(200);
    });

    it('answers 400 VALIDATION_FAILED on a new password of 7 characters, and keeps the password', async () => {
      const { client, user } = await logIn(testApp, 'body');
      const response = await client.post('/api/v1/users/me/password', { currentPassword: user.password, newPassword: 'short77' });
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
      expect((await login(user.email, user.password)).status).toBe(200);
    });
  });

  describe('DELETE /api/v1/users/me', () => {
    it('answers 401 INVALID_CREDENTIALS on a wrong password, and the account remains', async () => {
      const { client, user } = await logIn(testApp, 'body');
      const response = await client.delete('/api/v1/users/me', { password: 'not the password' });
      expect(response.status).toBe(401);
      expect(response.body.code).toBe('INVALID_CREDENTIALS');
      expect((await client.get('/api/v1/users/me')).status).toBe(200);
      expect((await login(user.email, user.password)).status).toBe(200);
    });

    it('answers 204 on the right password; the old access token then answers 401 TOKEN_INVALID', async () => {
      const { client, user } = await logIn(testApp, 'body');
      expect((await client.delete('/api/v1/users/me', { password: user.password })).status).toBe(204);
      const after = await client.get('/api/v1/users/me');
      expect(after.status).toBe(401);
      expect(after.body.code).toBe('TOKEN_INVALID');
    });

    it('makes login answer 401 INVALID_CREDENTIALS and frees the email to register again', async () => {
      const { client, user } = await logIn(testApp, 'body');
      await client.delete('/api/v1/users/me', { password: user.password });
      const again = await login(user.email, user.password);
      expect(again.status).toBe(401);
      expect(again.body.code).toBe('INVALID_CREDENTIALS');
      const registered = await register({ email: user.email, password: TEST_PASSWORD });
      expect(registered.status).toBe(201);
      expect(registered.body.id).not.toBe(user.id);
    });
  });
});
