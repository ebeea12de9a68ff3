import { simpleParser } from 'mailparser';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp, TestApp } from './support/test-app';
import { registerUser } from './support/users';

// Its own file: Nest's static Logger writes through the first app of a process, and this test reads the app's log.
describe('mail without SMTP_URL: the development outbox', () => {
  let app: TestApp;
  const lines: string[] = [];

  beforeAll(async () => {
    app = await startTestApp({ LOG_LEVEL: 'info' }, { logDestination: { write: (line: string) => void lines.push(line) } });
  });
  afterAll(() => app?.close());

  it('writes each mail as an .eml file under DATA_DIR/outbox and logs its link', async () => {
    const user = await registerUser(app);
    const outbox = app.config.mail.outboxDir;
    const deadline = Date.now() + 5000;
    let files: string[] = [];
    while (Date.now() < deadline && files.length === 0) {
      files = existsSync(outbox) ? readdirSync(outbox).filter((name) => name.endsWith(`-${user.email}.eml`)) : [];
      if (files.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^\d{13}-/);
    const eml = readFileSync(join(outbox, files[0]));
    const parsed = await simpleParser(eml);
    expect(parsed.headers.get('content-type')).toEqual(expect.objectContaining({ value: 'multipart/alternative' }));
    expect(parsed.html).toContain(user.email);
    expect(parsed.to).toEqual(expect.objectContaining({ text: user.email }));
    const link = /http:\/\/localhost:3000\/verify-email\?token=([A-Za-z0-9_-]{43})/.exec(parsed.text ?? '');
    expect(link).not.toBeNull();
    const token = link![1];
    expect(lines.some((line) => line.includes(link![0]) && line.includes(user.email))).toBe(true);

    expect((await app.client().post('/api/v1/auth/email/verify', { token })).status).toBe(204);
  });
});
