import { logIn } from './support/users';
import { startTestApp, TestApp } from './support/test-app';

describe('smoke', () => {
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await startTestApp();
  });
  afterAll(() => testApp.close());

  it.each(['body', 'cookie'] as const)('logs in with %s transport and reads the profile', async (transport) => {
    const { client, user } = await logIn(testApp, transport);
    const me = await client.get('/api/v1/users/me');
    expect(me.status).toBe(200);
    expect(me.body.email).toBe(user.email);
  });
});
