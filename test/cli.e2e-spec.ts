import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { onConfiguredDatabase } from '../src/cli/configured-database';
import { MIGRATION_LOCK_KEY } from '../src/database/migrate';
import { expectError } from './support/errors-assertions';
import { eventually } from './support/eventually';
import { freePort } from './support/free-port';
import { runCommand } from './support/run-command';
import { ServiceProcess, serviceEnv, sharedKeysDir } from './support/service-process';
import { startTestApp } from './support/test-app';
import { createCommandDatabase } from './support/test-database';
import { enableTotp, expectStatus, queuedMails, recordQueuedMails, totpCode, TOTP_STEP_MS } from './support/totp';
import { logIn, registerUser, Service } from './support/users';

const ROOT = resolve(__dirname, '..');
const MIGRATION_FILES = readdirSync(join(ROOT, 'src', 'database', 'migrations')).filter((file) => file.endsWith('.ts'));

/** `npm run <script> -- <args>` as a user types it, with only `env` (and PATH) set. */
const npmRun = (script: string, args: string[], env: Record<string, string>) => runCommand('npm', ['run', '--silent', script, '--', ...args], env);

const lines = (text: string) => text.trim().split('\n').filter(Boolean);

/** What cannot depend on the database kind runs once, in the PostgreSQL run (CI runs the e2e suites on both). */
const onPostgres = Boolean(process.env.TEST_DATABASE_URL);
const describeOnce = onPostgres ? describe : describe.skip;

/** Polls `done` (every 100 ms, for at most 30 s): the CLI's process starts in its own time. */
async function until(done: () => Promise<boolean>): Promise<void> {
  for (let tries = 0; tries < 300; tries++) {
    if (await done()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('gave up waiting');
}

/** A user row (any hash will do: nobody logs in) with `activeSessions` active sessions and one already logged out. */
async function insertUser(dataSource: DataSource, email: string, activeSessions: number): Promise<string> {
  const [{ id }] = await dataSource.query(`INSERT INTO users (email, password_hash) VALUES ($1, 'not-a-hash') RETURNING id`, [email]);
  const sessions = [...Array<string>(activeSessions).fill('active'), 'revoked'];
  for (const status of sessions) {
    await dataSource.query(
      `INSERT INTO key_store (id, user_id, aal, amr, access_key_hash, refresh_key_hash, csrf_token_hash, status, revoked_reason, expires_at, max_expires_at)
       VALUES ($1, $2, 'aal1', '{pwd}', 'a', 'r', 'c', $3, $4, now() + interval '1 day', now() + interval '30 days')`,
      [randomUUID(), id, status, status === 'revoked' ? 'logout' : null],
    );
  }
  return id as string;
}

describe('the command-line tools, run from src as in development', () => {
  describe('npm run migration:run', () => {
    it('applies every migration to an empty database, then finds nothing left to do', async () => {
      const fresh = await createCommandDatabase();
      try {
        const first = await npmRun('migration:run', [], fresh.env);
        expect(first.code).toBe(0);
        expect(lines(first.stdout)).toHaveLength(MIGRATION_FILES.length);
        expect(lines(first.stdout)).toEqual(MIGRATION_FILES.map(() => expect.stringMatching(/^applied \w+\d{13}$/)));
        const second = await npmRun('migration:run', [], fresh.env);
        expect(second.code).toBe(0);
        expect(second.stdout.trim()).toBe('no pending migrations');
      } finally {
        await fresh.remove();
      }
    });

    (process.env.TEST_DATABASE_URL ? it : it.skip)('waits for the advisory lock the booting instances take, then applies', async () => {
      const fresh = await createCommandDatabase();
      const holder = new Client({ connectionString: fresh.database.databaseUrl });
      await holder.connect();
      try {
        await holder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
        const run = npmRun('migration:run', [], fresh.env);
        await until(async () => (await holder.query(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`)).rowCount === 1);
        expect((await holder.query(`SELECT to_regclass('migrations') AS name`)).rows[0].name).toBeNull();
        await holder.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
        expect((await run).code).toBe(0);
        expect((await holder.query('SELECT name FROM migrations')).rows).toHaveLength(MIGRATION_FILES.length);
      } finally {
        await holder.end();
        await fresh.remove();
      }
    });

    describeOnce('without a database', () => {
      it('exits 1 with one line when the database cannot be reached', async () => {
        const run = await npmRun('migration:run', [], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/cli_test' });
        expect(run.code).toBe(1);
        expect(lines(run.stderr)).toEqual([expect.stringContaining('ECONNREFUSED')]);
      });
    });
  });

  // Files only, no database.
  describeOnce('npm run keys:generate and keys:rotate', () => {
    let keysDir: string;
    beforeEach(() => {
      keysDir = mkdtempSync(join(tmpdir(), 'auth-cli-keys-'));
    });
    afterEach(() => rmSync(keysDir, { recursive: true, force: true }));

    const pemFiles = () =>
      readdirSync(keysDir)
        .filter((file) => file.endsWith('.pem'))
        .sort();

    it('generates the access and refresh keys once, and keeps them on a second run', async () => {
      expect((await npmRun('keys:generate', [], { JWT_KEYS_DIR: keysDir })).code).toBe(0);
      expect(pemFiles()).toEqual(['access.pem', 'refresh.pem']);
      const again = await npmRun('keys:generate', [], { JWT_KEYS_DIR: keysDir });
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/nothing created/);
      expect(pemFiles()).toEqual(['access.pem', 'refresh.pem']);
    });

    it('adds a new access key and refresh key with --activate-in', async () => {
      await npmRun('keys:generate', [], { JWT_KEYS_DIR: keysDir });
      const run = await npmRun('keys:rotate', ['--activate-in', '10m'], { JWT_KEYS_DIR: keysDir });
      expect(run.code).toBe(0);
      expect(pemFiles()).toEqual([expect.stringMatching(/^access-\d+\.pem$/), 'access.pem', expect.stringMatching(/^refresh-\d+\.pem$/), 'refresh.pem']);
    });

    it.each([
      [['--activate-in', 'soon'], /--activate-in takes a duration/],
      [['--activate-after', '10m'], /Unknown option '--activate-after'/],
      [['10m'], /Unexpected argument '10m'/],
    ])('refuses keys:rotate %j with one line and exit code 1, and adds nothing', async (args, message) => {
      await npmRun('keys:generate', [], { JWT_KEYS_DIR: keysDir });
      const run = await npmRun('keys:rotate', args, { JWT_KEYS_DIR: keysDir });
      expect(run.code).toBe(1);
      expect(lines(run.stderr)).toEqual([expect.stringMatching(message)]);
      expect(pemFiles()).toEqual(['access.pem', 'refresh.pem']);
    });
  });

  describe('npm run users:roles', () => {
    it("adds and removes a role, ending the user's active sessions in the same change", async () => {
      const fresh = await createCommandDatabase();
      try {
        expect((await npmRun('migration:run', [], fresh.env)).code).toBe(0);
        const [annId, bobId] = await onConfiguredDatabase(fresh.env, async (db) => [
          await insertUser(db, 'ann@example.com', 2),
          await insertUser(db, 'bob@example.com', 1),
        ]);

        const added = await npmRun('users:roles', ['--email', '  Ann@Example.COM ', '--add', 'admin'], fresh.env);
        expect(added).toEqual({ code: 0, stdout: 'ann@example.com: roles user, admin; 2 session(s) ended\n', stderr: '' });
        await onConfiguredDatabase(fresh.env, async (db) => {
          expect((await db.query('SELECT roles FROM users WHERE id = $1', [annId]))[0].roles).toEqual(['user', 'admin']);
          const sessions = await db.query('SELECT status, revoked_reason, revoked_at FROM key_store WHERE user_id = $1 ORDER BY revoked_reason', [annId]);
          expect(sessions).toEqual([
            { status: 'revoked', revoked_reason: 'logout', revoked_at: null },
            { status: 'revoked', revoked_reason: 'roles_changed', revoked_at: expect.any(Date) },
            { status: 'revoked', revoked_reason: 'roles_changed', revoked_at: expect.any(Date) },
          ]);
          expect(await db.query('SELECT status, revoked_reason FROM key_store WHERE user_id = $1 ORDER BY status', [bobId])).toEqual([
            { status: 'active', revoked_reason: null },
            { status: 'revoked', revoked_reason: 'logout' },
          ]);
          expect(await db.query('SELECT type, session_id FROM auth_events WHERE user_id = $1', [annId])).toEqual([{ type: 'session_revoked', session_id: null }]);
          // Running instances drain the outbox on PostgreSQL; the embedded database's one instance is stopped meanwhile.
          const queued = (await db.query('SELECT key FROM cache_invalidations ORDER BY id')).map((row: { key: string }) => row.key);
          expect(queued).toEqual(onPostgres ? [`sessions-of:${annId}`, `profile:${annId}`] : []);
        });

        const again = await npmRun('users:roles', ['--email', 'ann@example.com', '--add', 'admin'], fresh.env);
        expect(again.stdout).toBe('ann@example.com: roles user, admin (unchanged); 0 session(s) ended\n');

        const removed = await npmRun('users:roles', ['--email', 'ann@example.com', '--remove', 'admin', '--add', 'auditor', '--add', 'support'], fresh.env);
        expect(removed).toEqual({ code: 0, stdout: 'ann@example.com: roles user, auditor, support; 0 session(s) ended\n', stderr: '' });
        await onConfiguredDatabase(fresh.env, async (db) => {
          expect((await db.query('SELECT roles FROM users WHERE id = $1', [annId]))[0].roles).toEqual(['user', 'auditor', 'support']);
          // No session was left to end: nothing more is recorded.
          expect(await db.query('SELECT type FROM auth_events WHERE user_id = $1', [annId])).toHaveLength(1);
        });
      } finally {
        await fresh.remove();
      }
    });

    describeOnce('outcomes and arguments that do not depend on the database kind', () => {
      it('exits 1 with one line for an unknown email', async () => {
        const fresh = await createCommandDatabase();
        try {
          await npmRun('migration:run', [], fresh.env);
          const run = await npmRun('users:roles', ['--email', 'Nobody@Example.com', '--add', 'admin'], fresh.env);
          expect(run).toEqual({ code: 1, stdout: '', stderr: 'No user with email nobody@example.com\n' });
        } finally {
          await fresh.remove();
        }
      });

      it.each([[['--email', 'ann@example.com']], [['--add', 'admin']], [[]]])('prints the usage and exits 1 for %j', async (args) => {
        const run = await npmRun('users:roles', args, {});
        expect(run.code).toBe(1);
        expect(run.stdout).toBe('');
        expect(run.stderr).toMatch(/^Usage: npm run users:roles -- --email/);
      });

      it.each([
        [['--email', 'ann@example.com', '--add', 'Admin'], /"Admin" is not a role name/],
        [['--email', 'ann@example.com', '--add', 'admin', '--remove', 'admin'], /--add and --remove both name "admin"/],
        [['--email', 'ann@example.com', '--grant', 'admin'], /Unknown option '--grant'/],
      ])('refuses %j with one line and exit code 1', async (args, message) => {
        const run = await npmRun('users:roles', args, {});
        expect(run.code).toBe(1);
        expect(lines(run.stderr)).toEqual([expect.stringMatching(message)]);
      });
    });

    // The embedded database serves one process: a change made beside a running service would be lost.
    (onPostgres ? it.skip : it)('refuses with one line while a service has the embedded database open, and works once it has stopped', async () => {
      const keys = sharedKeysDir();
      const dataDir = mkdtempSync(join(tmpdir(), 'auth-cli-'));
      const service = await ServiceProcess.start(serviceEnv('', keys.dir, { DATA_DIR: dataDir }), await freePort());
      try {
        const user = await registerUser(service);
        const refused = await npmRun('users:roles', ['--email', user.email, '--add', 'admin'], { DATA_DIR: dataDir });
        expect({ code: refused.code, stdout: refused.stdout }).toEqual({ code: 1, stdout: '' });
        expect(lines(refused.stderr)).toEqual([expect.stringMatching(new RegExp(`in use by process ${service.pid}.*stop it first`))]);
        expect((await service.stop()).code).toBe(0);

        const granted = await npmRun('users:roles', ['--email', user.email, '--add', 'admin'], { DATA_DIR: dataDir });
        expect(granted).toEqual({ code: 0, stdout: `${user.email}: roles user, admin; 0 session(s) ended\n`, stderr: '' });
      } finally {
        await service.stop();
        keys.remove();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });

    (onPostgres ? it : it.skip)("ends the sessions of a running instance once it hears of the change, and the user's next login has the role", async () => {
      const testApp = await startTestApp();
      const dataDir = mkdtempSync(join(tmpdir(), 'auth-cli-'));
      try {
        const ann = await logIn(testApp, 'body');
        const other = await registerUser(testApp);
        expect((await ann.client.get('/api/v1/users/me')).status).toBe(200);

        const run = await npmRun('users:roles', ['--email', ann.user.email, '--add', 'admin'], { DATABASE_URL: testApp.config.databaseUrl!, DATA_DIR: dataDir });
        expect(run.code).toBe(0);
        await eventually('the running instance to refuse the ended session', async () => (await ann.client.get('/api/v1/users/me')).status !== 200);
        expectError(await ann.client.get('/api/v1/users/me'), 401, 'SESSION_REVOKED');

        const again = await logIn(testApp, 'body', ann.user);
        expect((await again.client.get('/api/v1/users/me')).body.roles).toEqual(['user', 'admin']);
        expect((await again.client.delete(`/api/v1/users/${other.id}/sessions`)).status).toBe(204);
      } finally {
        await testApp.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });

  describe('npm run users:mfa', () => {
    const BODY = { 'x-token-transport': 'body' };

    /**
     * A service on the database the command works on. On PostgreSQL an app of
     * this process keeps running beside the command (it hears of the ended
     * sessions); the embedded database serves one process, so there the
     * service stops for the command and starts again on the same DATA_DIR,
     * as an operator would do it.
     */
    interface ServiceBeside {
      current(): Service;
      /** The process that holds the embedded database while the service runs. */
      holder?: number;
      /** The environment the command runs with: the service's database, data folder and keys. */
      cliEnv: Record<string, string>;
      /** Runs `work` on the service's database, as the command opens it (embedded: only while the service is stopped). */
      onDatabase<T>(work: (db: Pick<DataSource, 'query'>) => Promise<T>): Promise<T>;
      /** Before the command: stops the embedded database's service. */
      makeWay(): Promise<void>;
      /** After the command: starts it again. */
      resume(): Promise<void>;
      close(): Promise<void>;
    }

    async function serviceBeside(): Promise<ServiceBeside> {
      if (onPostgres) {
        const testApp = await startTestApp();
        return {
          current: () => testApp,
          cliEnv: {
            DATABASE_URL: testApp.config.databaseUrl!,
            DATA_DIR: dirname(dirname(testApp.config.mfa.keyFile)),
            JWT_KEYS_DIR: testApp.config.jwt.keysDir,
          },
          onDatabase: (work) => work(testApp.dataSource),
          makeWay: async () => undefined,
          resume: async () => undefined,
          close: () => testApp.close(),
        };
      }
      const keys = sharedKeysDir();
      const dataDir = mkdtempSync(join(tmpdir(), 'auth-cli-'));
      const env = serviceEnv('', keys.dir, { DATA_DIR: dataDir });
      let service = await ServiceProcess.start(env, await freePort());
      const cliEnv = { DATA_DIR: dataDir, JWT_KEYS_DIR: keys.dir };
      return {
        current: () => service,
        get holder() {
          return service.pid;
        },
        cliEnv,
        onDatabase: (work) => onConfiguredDatabase(cliEnv, work),
        makeWay: async () => {
          expect((await service.stop()).code).toBe(0);
        },
        resume: async () => {
          service = await ServiceProcess.start(env, await freePort());
        },
        close: async () => {
          await service.stop();
          keys.remove();
          rmSync(dataDir, { recursive: true, force: true });
        },
      };
    }

    it("removes the second factor of a user who enabled TOTP, as an admin's reset does: every session ends, the event and the notice are recorded, and the password alone signs in again", async () => {
      const beside = await serviceBeside();
      try {
        // The session that enabled TOTP, and one started afterwards with password and code: both aal2.
        const enabling = await logIn(beside.current(), 'body');
        const { user } = enabling;
        const { secret } = await enableTotp(enabling.client, user.password, Date.now());
        const challenge = expectStatus('login', await beside.current().client().post('/api/v1/auth/login', { email: user.email, password: user.password }), 200);
        expect(challenge.body.mfaRequired).toBe(true);
        // The next period's code: the confirming code's period counts as used.
        const second = expectStatus(
          'login/mfa',
          await beside
            .current()
            .client()
            .post('/api/v1/auth/login/mfa', { mfaToken: challenge.body.mfaToken, code: totpCode(secret, Date.now() + TOTP_STEP_MS) }, { headers: BODY }),
          200,
        );
        const accessTokens: string[] = [enabling.client.bearer!, second.body.accessToken];
        const withToken = (accessToken: string) => Object.assign(beside.current().client(), { bearer: accessToken });
        for (const token of accessTokens) expect((await withToken(token).get('/api/v1/users/me/mfa')).body.totp.enabled).toBe(true);
        const pending = expectStatus('login', await beside.current().client().post('/api/v1/auth/login', { email: user.email, password: user.password }), 200);

        if (beside.holder !== undefined) {
          // The embedded database serves one process: a reset beside the running service is refused, and changes nothing.
          const refused = await npmRun('users:mfa', ['--email', user.email, '--reset'], beside.cliEnv);
          expect({ code: refused.code, stdout: refused.stdout }).toEqual({ code: 1, stdout: '' });
          expect(lines(refused.stderr)).toEqual([expect.stringMatching(new RegExp(`in use by process ${beside.holder}.*stop it first`))]);
          expect((await withToken(accessTokens[0]).get('/api/v1/users/me/mfa')).body.totp.enabled).toBe(true);
        }
        await beside.makeWay();
        const stampBefore = await beside.onDatabase(async (db) => {
          await recordQueuedMails(db);
          return (await db.query('SELECT security_stamp FROM users WHERE id = $1', [user.id]))[0].security_stamp as number;
        });

        const run = await npmRun('users:mfa', ['--email', `  ${user.email.toUpperCase()} `, '--reset'], beside.cliEnv);
        expect(run).toEqual({ code: 0, stdout: `${user.email}: second factor removed; every session ended\n`, stderr: '' });

        await beside.onDatabase(async (db) => {
          expect(await db.query('SELECT user_id FROM mfa_totp WHERE user_id = $1', [user.id])).toEqual([]);
          expect(await db.query('SELECT id FROM mfa_recovery_codes WHERE user_id = $1', [user.id])).toEqual([]);
          expect(await db.query('SELECT id FROM mfa_challenges WHERE user_id = $1', [user.id])).toEqual([]);
          const [account] = await db.query('SELECT mfa_enabled, security_stamp FROM users WHERE id = $1', [user.id]);
          // Mailed links carry the security stamp: a new one voids them.
          expect(account).toEqual({ mfa_enabled: false, security_stamp: stampBefore + 1 });
          // Both live sessions, the enabling one included.
          expect(await db.query('SELECT status, revoked_reason FROM key_store WHERE user_id = $1', [user.id])).toEqual([
            { status: 'revoked', revoked_reason: 'mfa_reset' },
            { status: 'revoked', revoked_reason: 'mfa_reset' },
          ]);
          expect(await db.query(`SELECT ip, user_agent FROM auth_events WHERE user_id = $1 AND type = 'mfa_reset'`, [user.id])).toEqual([
            { ip: null, user_agent: 'users:mfa (command line)' },
          ]);
          expect(await queuedMails(db, user.id)).toEqual([{ kind: 'mfa_reset', recipient: user.email }]);
        });
        await beside.resume();

        for (const token of accessTokens) {
          await eventually('the ended session to be refused', async () => (await withToken(token).get('/api/v1/users/me')).status === 401);
          expectError(await withToken(token).get('/api/v1/users/me'), 401, 'SESSION_REVOKED');
        }
        // A challenge begun before the reset has nothing left to complete.
        const late = await beside
          .current()
          .client()
          .post('/api/v1/auth/login/mfa', { mfaToken: pending.body.mfaToken, code: totpCode(secret, Date.now() + TOTP_STEP_MS) }, { headers: BODY });
        expectError(late, 401, 'MFA_TOKEN_INVALID');

        const again = await logIn(beside.current(), 'body', user);
        expect(again.login.body).toMatchObject({ accessToken: expect.any(String), user: { email: user.email, mfaEnabled: false } });
        expect(again.login.body.mfaRequired).toBeUndefined();
        expect((await again.client.get('/api/v1/users/me/mfa')).body).toEqual({ totp: { enabled: false, createdAt: null }, recoveryCodesRemaining: 0 });
        const events = (await again.client.get('/api/v1/users/me/events?limit=100')).body.items as Array<{ type: string; userAgent: string | null }>;
        expect(events.filter((event) => event.type === 'mfa_reset')).toEqual([expect.objectContaining({ userAgent: 'users:mfa (command line)' })]);
        // Newest first: the reset came after the sign-ins with the second factor, and before this one.
        expect(events.map((event) => event.type).slice(0, 2)).toEqual(['login_succeeded', 'mfa_reset']);
      } finally {
        await beside.close();
      }
    }, 180_000);

    describeOnce('outcomes and arguments that do not depend on the database kind', () => {
      it('changes nothing for a user without a second factor, and says so', async () => {
        const fresh = await createCommandDatabase();
        try {
          expect((await npmRun('migration:run', [], fresh.env)).code).toBe(0);
          const annId = await onConfiguredDatabase(fresh.env, async (db) => {
            await recordQueuedMails(db);
            return insertUser(db, 'ann@example.com', 1);
          });
          const run = await npmRun('users:mfa', ['--email', 'ann@example.com', '--reset'], fresh.env);
          expect(run).toEqual({ code: 0, stdout: 'ann@example.com had no second factor; nothing changed\n', stderr: '' });
          await onConfiguredDatabase(fresh.env, async (db) => {
            expect(await db.query('SELECT status FROM key_store WHERE user_id = $1 ORDER BY status', [annId])).toEqual([
              { status: 'active' },
              { status: 'revoked' },
            ]);
            expect(await db.query('SELECT type FROM auth_events WHERE user_id = $1', [annId])).toEqual([]);
            expect(await queuedMails(db, annId)).toEqual([]);
          });
        } finally {
          await fresh.remove();
        }
      });

      it('exits 1 with one line naming an unknown email', async () => {
        const fresh = await createCommandDatabase();
        try {
          expect((await npmRun('migration:run', [], fresh.env)).code).toBe(0);
          const run = await npmRun('users:mfa', ['--email', 'Nobody@Example.com', '--reset'], fresh.env);
          expect(run).toEqual({ code: 1, stdout: '', stderr: 'No user with email nobody@example.com\n' });
        } finally {
          await fresh.remove();
        }
      });

      it.each([[['--email', 'ann@example.com']], [['--reset']], [[]]])('prints the usage and exits 1 for %j', async (args) => {
        const run = await npmRun('users:mfa', args, {});
        expect(run.code).toBe(1);
        expect(run.stdout).toBe('');
        expect(run.stderr).toMatch(/^Usage: npm run users:mfa -- --email ann@example.com --reset\n/);
      });

      it('refuses an unknown option with one line and exit code 1', async () => {
        const run = await npmRun('users:mfa', ['--email', 'ann@example.com', '--disable'], {});
        expect(run.code).toBe(1);
        expect(lines(run.stderr)).toEqual([expect.stringMatching(/Unknown option '--disable'/)]);
      });
    });
  });

  // The same insert on either database kind: run once, on PostgreSQL.
  describeOnce('the audit log of users:roles and users:mfa', () => {
    it('each change writes an entry with no actor and no IP, naming the command; no change writes none; the last admin may be demoted', async () => {
      const fresh = await createCommandDatabase();
      try {
        expect((await npmRun('migration:run', [], fresh.env)).code).toBe(0);
        const annId = await onConfiguredDatabase(fresh.env, async (db) => {
          const id = await insertUser(db, 'ann@example.com', 1);
          // A second factor as enrolment leaves it (the reset never reads the sealed secret).
          await db.query(`INSERT INTO mfa_totp (user_id, secret, created_at, enabled_at) VALUES ($1, 'sealed', now(), now())`, [id]);
          await db.query('UPDATE users SET mfa_enabled = true WHERE id = $1', [id]);
          return id;
        });

        expect((await npmRun('users:roles', ['--email', 'ann@example.com', '--add', 'admin'], fresh.env)).code).toBe(0);
        const unchanged = await npmRun('users:roles', ['--email', 'ann@example.com', '--add', 'admin'], fresh.env);
        expect(unchanged.stdout).toMatch(/\(unchanged\)/);
        // Ann is the only admin: the command line is the operator's way back in, and does not apply LAST_ADMIN.
        const demoted = await npmRun('users:roles', ['--email', 'ann@example.com', '--remove', 'admin'], fresh.env);
        expect(demoted).toEqual({ code: 0, stdout: 'ann@example.com: roles user; 0 session(s) ended\n', stderr: '' });
        const reset = await npmRun('users:mfa', ['--email', 'ann@example.com', '--reset'], fresh.env);
        expect(reset).toEqual({ code: 0, stdout: 'ann@example.com: second factor removed; every session ended\n', stderr: '' });

        await onConfiguredDatabase(fresh.env, async (db) => {
          const entries = await db.query('SELECT id, at, actor_id, action, target_id, ip, details FROM audit_log ORDER BY seq DESC');
          expect(entries).toEqual([
            {
              id: expect.any(String),
              at: expect.any(Date),
              actor_id: null,
              action: 'mfa_reset',
              target_id: annId,
              ip: null,
              details: { via: 'users:mfa (command line)' },
            },
            {
              id: expect.any(String),
              at: expect.any(Date),
              actor_id: null,
              action: 'roles_changed',
              target_id: annId,
              ip: null,
              details: { from: ['user', 'admin'], to: ['user'], via: 'users:roles (command line)' },
            },
            {
              id: expect.any(String),
              at: expect.any(Date),
              actor_id: null,
              action: 'roles_changed',
              target_id: annId,
              ip: null,
              details: { from: ['user'], to: ['user', 'admin'], via: 'users:roles (command line)' },
            },
          ]);
        });
      } finally {
        await fresh.remove();
      }
    }, 180_000);
  });
});
