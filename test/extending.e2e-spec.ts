import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NotesModule } from './fixtures/notes/notes.module';
import { startTestApp, TestApp } from './support/test-app';
import { logIn, registerUser, Transport } from './support/users';

/**
 * The walkthrough of docs/EXTENDING.md: a feature module with a table of its
 * own, composed with the service through the `modules` option. A module in
 * src/ has its migration in src/database/migrations, found by the service's
 * glob; this one lives outside src/, so its migration is handed over too.
 */
describe('a feature module (NotesModule of docs/EXTENDING.md)', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp({}, { modules: [NotesModule], migrations: [join(__dirname, 'fixtures', 'notes', 'migrations', '*.ts')] });
  });
  afterAll(() => testApp?.close());

  const publicCount = async (): Promise<number> => (await testApp.client().get('/api/v1/notes/public-count')).body.count;

  describe('without a token', () => {
    it.each([
      ['GET', '/api/v1/notes'],
      ['POST', '/api/v1/notes'],
      ['GET', '/api/v1/notes/00000000-0000-4000-8000-000000000000'],
      ['DELETE', '/api/v1/notes'],
    ])('answers 401 TOKEN_MISSING on %s %s (protected by default)', async (method, path) => {
      const response = await testApp.client().request(method, path, method === 'POST' ? { body: { text: 'x' } } : {});
      expect(response.status).toBe(401);
      expect(response.body.code).toBe('TOKEN_MISSING');
    });

    it('answers 200 on the @Public() route GET /api/v1/notes/public-count', async () => {
      const response = await testApp.client().get('/api/v1/notes/public-count');
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ count: expect.any(Number) });
    });
  });

  describe.each<Transport>(['cookie', 'body'])('in %s transport', (transport) => {
    it('creates a note that names the session which wrote it', async () => {
      const { client, sessionId } = await logIn(testApp, transport);
      const created = await client.post('/api/v1/notes', { text: '  Call the bank  ' });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ id: expect.any(String), text: 'Call the bank', sessionId });
    });

    it('lists only the caller’s own notes, from every session of the caller', async () => {
      const user = await registerUser(testApp);
      const first = await logIn(testApp, transport, user);
      const second = await logIn(testApp, transport, user);
      await first.client.post('/api/v1/notes', { text: 'from the first session' });
      await second.client.post('/api/v1/notes', { text: 'from the second session' });
      await (await logIn(testApp, transport)).client.post('/api/v1/notes', { text: 'someone else’s' });

      const list = await first.client.get('/api/v1/notes');
      expect(list.status).toBe(200);
      expect(list.body.map((note: { text: string; sessionId: string }) => [note.text, note.sessionId])).toEqual([
        ['from the first session', first.sessionId],
        ['from the second session', second.sessionId],
      ]);
    });

    it('answers 404 NOT_FOUND for another user’s note', async () => {
      const owner = await logIn(testApp, transport);
      const note = (await owner.client.post('/api/v1/notes', { text: 'mine' })).body;
      const other = await logIn(testApp, transport);
      expect((await owner.client.get(`/api/v1/notes/${note.id}`)).body.text).toBe('mine');
      const response = await other.client.get(`/api/v1/notes/${note.id}`);
      expect(response.status).toBe(404);
      expect(response.body.code).toBe('NOT_FOUND');
    });

    it('answers 400 VALIDATION_FAILED for an unknown property, and stores nothing', async () => {
      const { client } = await logIn(testApp, transport);
      const response = await client.post('/api/v1/notes', { text: 'ok', pinned: true });
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
      expect(response.body.details).toEqual([{ field: 'pinned', messages: [expect.any(String)] }]);
      expect((await client.get('/api/v1/notes')).body).toEqual([]);
    });

    it('answers 400 VALIDATION_FAILED for an empty text', async () => {
      const { client } = await logIn(testApp, transport);
      const response = await client.post('/api/v1/notes', { text: '   ' });
      expect(response.status).toBe(400);
      expect(response.body.details).toEqual([{ field: 'text', messages: [expect.any(String)] }]);
    });

    it('answers 403 FORBIDDEN to DELETE /api/v1/notes without the admin role, and clears nothing', async () => {
      const { client } = await logIn(testApp, transport);
      await client.post('/api/v1/notes', { text: 'kept' });
      const response = await client.delete('/api/v1/notes');
      expect(response.status).toBe(403);
      expect(response.body.code).toBe('FORBIDDEN');
      expect((await client.get('/api/v1/notes')).body).toHaveLength(1);
    });
  });

  it('runs the module’s migration at boot, which creates what its entity says (migration:generate would find nothing)', async () => {
    expect(await testApp.dataSource.query(`SELECT to_regclass('notes') IS NOT NULL AS present`)).toEqual([{ present: true }]);
    const pending = await testApp.dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((query) => query.query)).toEqual([]);
  });

  it.each<Transport>(['cookie', 'body'])(
    'answers 409 NOTE_EXISTS, the code of the module’s own ConflictException, to a second note with the same text (%s transport)',
    async (transport) => {
      const { client } = await logIn(testApp, transport);
      expect((await client.post('/api/v1/notes', { text: 'Water the plants' })).status).toBe(201);
      const response = await client.post('/api/v1/notes', { text: 'Water the plants' });
      expect(response.status).toBe(409);
      expect(response.body).toEqual({ statusCode: 409, error: 'Conflict', code: 'NOTE_EXISTS', message: 'You already have a note with this text' });
      expect((await client.get('/api/v1/notes')).body).toHaveLength(1);
    },
  );

  it('answers 400 VALIDATION_FAILED to a note id that is not a uuid (ParseUUIDPipe)', async () => {
    const { client } = await logIn(testApp, 'body');
    const response = await client.get('/api/v1/notes/not-a-uuid');
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('VALIDATION_FAILED');
  });

  it('deletes a user’s notes with the user (ON DELETE CASCADE)', async () => {
    const { client } = await logIn(testApp, 'body');
    const note = (await client.post('/api/v1/notes', { text: 'gone with me' })).body;
    await testApp.dataSource.query('DELETE FROM users WHERE id = $1', [note.userId]);
    expect(await testApp.dataSource.query('SELECT id FROM notes WHERE id = $1', [note.id])).toEqual([]);
  });

  it('counts every user’s notes on the public route', async () => {
    const before = await publicCount();
    const { client } = await logIn(testApp, 'body');
    await client.post('/api/v1/notes', { text: 'one more' });
    expect(await publicCount()).toBe(before + 1);
  });

  it('answers 403 CSRF_TOKEN_INVALID to a cookie-authenticated POST without X-CSRF-Token, and stores nothing', async () => {
    const { client } = await logIn(testApp, 'cookie');
    client.csrfToken = undefined;
    const response = await client.post('/api/v1/notes', { text: 'forged' });
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('CSRF_TOKEN_INVALID');
    expect((await client.get('/api/v1/notes')).body).toEqual([]);
  });

  it.each<Transport>(['cookie', 'body'])('lets an admin clear every note with DELETE /api/v1/notes (%s transport)', async (transport) => {
    const user = await logIn(testApp, 'body');
    await user.client.post('/api/v1/notes', { text: 'to be cleared' });
    const admin = await logIn(testApp, transport, await registerUser(testApp, { roles: ['user', 'admin'] }));
    const response = await admin.client.delete('/api/v1/notes');
    expect(response.status).toBe(204);
    expect(await publicCount()).toBe(0);
    expect((await user.client.get('/api/v1/notes')).body).toEqual([]);
  });

  it.each(['note.entity.ts', 'notes.module.ts', 'notes.controller.ts', 'notes.service.ts', 'dto/create-note.dto.ts'])(
    'is the code docs/EXTENDING.md shows (%s)',
    (file) => {
      const guide = readFileSync(join(__dirname, '..', 'docs', 'EXTENDING.md'), 'utf8');
      const code = readFileSync(join(__dirname, 'fixtures', 'notes', file), 'utf8');
      expect(guide).toContain('```ts\n' + code + '```\n');
    },
  );
});
