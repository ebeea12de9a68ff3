import { MODULE_METADATA } from '@nestjs/common/constants';
import { WsAdapter } from '@nestjs/platform-ws';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { ACCESS_TOKEN_PROTOCOL, WhoAmIGateway } from './fixtures/whoami/whoami.gateway';
import { WhoAmIModule } from './fixtures/whoami/whoami.module';
import { startTestApp, TestApp } from './support/test-app';
import { logIn, registerUser } from './support/users';

type Outcome = { answer: unknown } | { closed: { code: number; reason: string } };

/** A connection to the gateway, opened as a browser opens one: the token among the offered subprotocols. */
class GatewayConnection {
  private readonly socket: WebSocket;
  /** How the gateway closed the connection, once it has. */
  readonly closed: Promise<Outcome>;
  private readonly opened: Promise<unknown>;

  constructor(url: string, token?: string) {
    this.socket = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`, token === undefined ? [] : [ACCESS_TOKEN_PROTOCOL, token]);
    this.closed = new Promise((resolve) => this.socket.once('close', (code, reason) => resolve({ closed: { code, reason: reason.toString() } })));
    this.opened = Promise.race([new Promise((resolve) => this.socket.once('open', resolve)), this.closed]);
  }

  /** Sends `whoami`: the gateway's answer, or how it closed the connection instead. */
  async whoAmI(): Promise<Outcome> {
    await this.opened;
    const answer = new Promise<Outcome>((resolve) => this.socket.once('message', (data) => resolve({ answer: JSON.parse((data as Buffer).toString()) })));
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ event: 'whoami' }));
    return Promise.race([answer, this.closed]);
  }

  close(): void {
    this.socket.close();
  }
}

const refused = (code: string): Outcome => ({ closed: { code: 4401, reason: code } });

/**
 * AccessTokenVerifier outside HTTP: a WebSocket gateway of a feature module
 * (test/fixtures/whoami, shown in docs/EXTENDING.md) verifies the token at the
 * handshake and again on every message, with the checks of the global guard.
 */
describe('AccessTokenVerifier in a WebSocket gateway (WhoAmIModule of docs/EXTENDING.md)', () => {
  let testApp: TestApp;
  const connections: GatewayConnection[] = [];
  const connect = (token?: string): GatewayConnection => {
    const connection = new GatewayConnection(testApp.url, token);
    connections.push(connection);
    return connection;
  };

  beforeAll(async () => {
    testApp = await startTestApp({}, { modules: [WhoAmIModule], beforeListen: (app) => app.useWebSocketAdapter(new WsAdapter(app)) });
  });
  afterEach(() => connections.splice(0).forEach((connection) => connection.close()));
  afterAll(() => testApp?.close());

  it('answers whoami with the id of the token’s user', async () => {
    const { user, login } = await logIn(testApp, 'body');
    const connection = connect(login.body.accessToken);
    expect(await connection.whoAmI()).toEqual({ answer: { event: 'whoami', data: { userId: user.id } } });
    expect(await connection.whoAmI()).toEqual({ answer: { event: 'whoami', data: { userId: user.id } } });
  });

  it('closes an open connection with 4401 SESSION_REVOKED at the first message after its token was logged out', async () => {
    const { client, user, login } = await logIn(testApp, 'body');
    const connection = connect(login.body.accessToken);
    expect(await connection.whoAmI()).toEqual({ answer: { event: 'whoami', data: { userId: user.id } } });

    expect((await client.post('/api/v1/auth/logout')).status).toBe(204);
    expect(await connection.whoAmI()).toEqual(refused('SESSION_REVOKED'));
  });

  it('closes a new connection with a logged-out token with 4401 SESSION_REVOKED at the handshake', async () => {
    const { client, login } = await logIn(testApp, 'body');
    expect((await client.post('/api/v1/auth/logout')).status).toBe(204);
    expect(await connect(login.body.accessToken).closed).toEqual(refused('SESSION_REVOKED'));
  });

  it('closes the connection of a session that another session ended (DELETE /api/v1/auth/sessions/:id) with 4401 SESSION_REVOKED', async () => {
    const user = await registerUser(testApp);
    const phone = await logIn(testApp, 'body', user);
    const laptop = await logIn(testApp, 'body', user);
    const connection = connect(phone.login.body.accessToken);
    expect(await connection.whoAmI()).toEqual({ answer: { event: 'whoami', data: { userId: user.id } } });

    expect((await laptop.client.delete(`/api/v1/auth/sessions/${phone.sessionId}`)).status).toBe(204);
    expect(await connection.whoAmI()).toEqual(refused('SESSION_REVOKED'));
    expect(await connect(laptop.login.body.accessToken).whoAmI()).toEqual({ answer: { event: 'whoami', data: { userId: user.id } } });
  });

  it('closes the connection with 4401 TOKEN_INVALID for a token that is not a JWT of the service', async () => {
    expect(await connect('not-a-jwt').closed).toEqual(refused('TOKEN_INVALID'));
  });

  it('closes the connection with 4401 TOKEN_MISSING when no token is offered', async () => {
    expect(await connect().closed).toEqual(refused('TOKEN_MISSING'));
  });

  it('closes an open connection with 4401 TOKEN_EXPIRED at the first message after its token’s exp', async () => {
    const { user, login } = await logIn(testApp, 'body');
    const connection = connect(login.body.accessToken);
    expect(await connection.whoAmI()).toEqual({ answer: { event: 'whoami', data: { userId: user.id } } });

    testApp.clock.advance(Date.parse(login.body.session.accessTokenExpiresAt) - testApp.clock.now() + 60 * 60_000);
    expect(await connection.whoAmI()).toEqual(refused('TOKEN_EXPIRED'));
  });

  it('gets AccessTokenVerifier injected with nothing but the barrel: its module imports no module', () => {
    expect(Reflect.getMetadata(MODULE_METADATA.IMPORTS, WhoAmIModule) ?? []).toEqual([]);
    expect(testApp.app.get(WhoAmIGateway)).toBeInstanceOf(WhoAmIGateway);
  });

  it.each(['whoami.gateway.ts', 'whoami.module.ts'])('is the code docs/EXTENDING.md shows (%s)', (file) => {
    const guide = readFileSync(join(__dirname, '..', 'docs', 'EXTENDING.md'), 'utf8');
    const code = readFileSync(join(__dirname, 'fixtures', 'whoami', file), 'utf8');
    expect(guide).toContain('```ts\n' + code + '```\n');
  });
});
