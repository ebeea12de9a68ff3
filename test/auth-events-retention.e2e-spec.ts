import { AuthEventsRetention } from '../src/security-events/auth-events-retention';
import { appWith } from './support/test-app';
import { logIn, registerUser } from './support/users';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('AUTH_EVENTS_RETENTION: the hourly clean-up of security events', () => {
  const testApp = appWith({ AUTH_EVENTS_RETENTION: '30d' });
  const purge = () => testApp().app.get(AuthEventsRetention).purgeOldEvents();
  const sql = (query: string, parameters: unknown[] = []) => testApp().dataSource.query(query, parameters);

  /** An event of `userId` recorded `daysAgo` days ago (by the database's clock, as every event is). */
  const insertEvent = (userId: string, daysAgo: number) =>
    sql(`INSERT INTO auth_events (user_id, type, ip, created_at) VALUES ($1, 'login_failed', '192.0.2.1', now() - make_interval(days => $2))`, [userId, daysAgo]);
  const eventAges = async (userId: string): Promise<number[]> =>
    (await sql(`SELECT round(extract(epoch FROM now() - created_at) / 86400)::int AS days FROM auth_events WHERE user_id = $1 ORDER BY created_at`, [userId])).map(
      (row: { days: number }) => row.days,
    );
  const auditEntries = async () => (await sql('SELECT id FROM audit_log ORDER BY seq')).map((row: { id: string }) => row.id);

  it('removes the events older than the retention, keeps the newer ones, and leaves the audit log alone', async () => {
    const { user } = await logIn(testApp(), 'body');
    const other = await registerUser(testApp());
    await insertEvent(user.id, 45);
    await insertEvent(user.id, 31);
    await insertEvent(user.id, 29);
    await insertEvent(other.id, 400);
    await sql(`INSERT INTO audit_log (at, action, target_id, details) VALUES (now() - interval '400 days', 'user_disabled', $1, '{}')`, [user.id]);
    const audit = await auditEntries();
    expect(await eventAges(user.id)).toEqual([45, 31, 29, 0, 0]);

    expect(await purge()).toBe(3);
    // The register and login_succeeded of today, and the one 29 days old.
    expect(await eventAges(user.id)).toEqual([29, 0, 0]);
    expect(await eventAges(other.id)).toEqual([0]);
    expect(await auditEntries()).toEqual(audit);
    expect(audit).toHaveLength(1);

    expect(await purge()).toBe(0);
  });

  it("goes by the service's clock: once the retention has passed, today's events go too", async () => {
    const { user } = await logIn(testApp(), 'body');
    expect((await eventAges(user.id)).length).toBeGreaterThan(0);
    testApp().clock.advance(29 * DAY_MS);
    await purge();
    expect((await eventAges(user.id)).length).toBeGreaterThan(0);
    testApp().clock.advance(2 * DAY_MS);
    await purge();
    expect(await eventAges(user.id)).toEqual([]);
  });
});
