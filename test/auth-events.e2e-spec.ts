import { OnEvent } from '@nestjs/event-emitter';
import { Injectable, Module } from '@nestjs/common';
import { AUTH_EVENTS, PasswordChangedEvent, SessionStartedEvent, UserDeletedEvent } from '../src/auth';
import { WelcomeListener } from './fixtures/welcome/welcome.listener';
import { WelcomeModule } from './fixtures/welcome/welcome.module';
import { eventually } from './support/eventually';
import { appWith } from './support/test-app';
import { logIn, registerUser, TEST_PASSWORD } from './support/users';

/** Every auth event, through a wildcard subscription. */
@Injectable()
class Recorder {
  readonly heard: unknown[] = [];

  @OnEvent('auth.**')
  record(event: unknown): void {
    this.heard.push(event);
  }
}

@Module({ providers: [Recorder] })
class RecorderModule {}

describe('auth events for feature modules (@nestjs/event-emitter)', () => {
  const app = appWith({}, { modules: [WelcomeModule, RecorderModule] });
  const welcome = () => app().app.get(WelcomeListener);
  const heard = () => app().app.get(Recorder).heard;

  it('emits auth.user.registered after the user is committed', async () => {
    const user = await registerUser(app());
    await eventually('the welcome listener to greet the user', () => welcome().greeted.some((greeting) => greeting.userId === user.id));
    expect(welcome().greeted.find((greeting) => greeting.userId === user.id)).toEqual({ userId: user.id, email: user.email, userStored: true });
  });

  it('does not fail the request when a listener throws', async () => {
    const response = await app()
      .client()
      .post('/api/v1/auth/register', { email: `fail-${Date.now()}@example.com`, password: TEST_PASSWORD });
    expect(response.status).toBe(201);
    await eventually('the welcome listener to greet the user', () => welcome().greeted.some((greeting) => greeting.userId === response.body.id));
  });

  it('emits auth.session.started on login and auth.session.revoked, with the reason, on logout', async () => {
    const session = await logIn(app(), 'body');
    await eventually('auth.session.started', () => heard().some((event) => event instanceof SessionStartedEvent && event.sessionId === session.sessionId));
    expect((await session.client.post('/api/v1/auth/logout')).status).toBe(204);
    await eventually('auth.session.revoked for the logout', () => welcome().endedSessions.some((event) => event.sessionIds.includes(session.sessionId)));
    expect(welcome().endedSessions.find((event) => event.sessionIds.includes(session.sessionId))).toEqual({
      userId: session.user.id,
      sessionIds: [session.sessionId],
      reason: 'logout',
    });
  });

  it('emits auth.password.changed and the other sessions ended by it', async () => {
    const first = await logIn(app(), 'body');
    const second = await logIn(app(), 'body', first.user);
    const changed = await first.client.post('/api/v1/users/me/password', { currentPassword: TEST_PASSWORD, newPassword: 'another long passphrase' });
    expect(changed.status).toBe(204);
    await eventually('auth.password.changed', () => heard().some((event) => event instanceof PasswordChangedEvent && event.userId === first.user.id));
    await eventually('auth.session.revoked for the password change', () =>
      welcome().endedSessions.some((event) => event.reason === 'password_changed' && event.userId === first.user.id),
    );
    expect(welcome().endedSessions.find((event) => event.reason === 'password_changed' && event.userId === first.user.id)?.sessionIds).toEqual([second.sessionId]);
  });

  it('emits auth.user.deleted when the account is deleted', async () => {
    const session = await logIn(app(), 'body');
    expect((await session.client.delete('/api/v1/users/me', { password: TEST_PASSWORD })).status).toBe(204);
    await eventually('auth.user.deleted', () => heard().some((event) => event instanceof UserDeletedEvent && event.userId === session.user.id));
  });

  it('names its events as documented', () => {
    expect(Object.values(AUTH_EVENTS).sort()).toEqual(
      ['auth.email.verified', 'auth.password.changed', 'auth.session.revoked', 'auth.session.started', 'auth.user.deleted', 'auth.user.registered'].sort(),
    );
  });
});
