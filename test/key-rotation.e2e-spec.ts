import { rotateKeySet } from '../src/tokens/keys/key-set';
import { SigningKeysService } from '../src/tokens/keys/signing-keys.service';
import { startTestApp, TestApp } from './support/test-app';
import { logIn } from './support/users';

const ME = '/api/v1/users/me';
const JWKS = '/.well-known/jwks.json';
const kidOf = (token: string): string => JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()).kid;

describe.each(['ES256', 'RS256'] as const)('signing key rotation (%s)', (algorithm) => {
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await startTestApp({ JWT_ALGORITHM: algorithm, ACCESS_TOKEN_TTL: '2s', JWT_CLOCK_TOLERANCE: '0' });
  });
  afterAll(() => testApp.close());

  const jwksKids = async (): Promise<string[]> => (await testApp.client().get(JWKS)).body.keys.map((key: { kid: string }) => key.kid);

  /** What `npm run keys:rotate -- --activate-in <ms>` does, then the reload every instance does on its own timer. */
  async function rotate(activateInMs: number): Promise<number> {
    const activatesAt = testApp.clock.now() + activateInMs;
    rotateKeySet(testApp.config.jwt.keysDir, algorithm, new Date(activatesAt), { access: 2, refresh: 30 * 24 * 3600 });
    await testApp.app.get(SigningKeysService).reload();
    return activatesAt;
  }

  it('rotates without logging anyone out: next key published first, new tokens on the new kid, old kid gone once its tokens expired', async () => {
    // Generating RSA keys takes a while on a busy machine: only the time this test moves on counts.
    testApp.clock.freeze();
    const before = await logIn(testApp, 'body');
    const oldKid = kidOf(before.login.body.accessToken);
    expect(await jwksKids()).toEqual([oldKid]);

    const activatesAt = await rotate(1000);
    const published = await jwksKids();
    expect(published).toHaveLength(2);
    expect(published).toContain(oldKid);
    const newKid = published.find((kid) => kid !== oldKid)!;
    expect(kidOf((await logIn(testApp, 'body', before.user)).login.body.accessToken)).toBe(oldKid);

    testApp.clock.advance(activatesAt - testApp.clock.now() + 50);
    const after = await logIn(testApp, 'body', before.user);
    expect(kidOf(after.login.body.accessToken)).toBe(newKid);
    expect((await after.client.get(ME)).status).toBe(200);

    const refreshed = await before.client.post('/api/v1/auth/refresh', { refreshToken: before.refreshToken });
    expect(refreshed.status).toBe(200);
    expect(kidOf(refreshed.body.accessToken)).toBe(newKid);

    testApp.clock.advance(activatesAt + 2000 - testApp.clock.now() + 50);
    expect(await jwksKids()).toEqual([newKid]);
  });

  it('serves the JWKS with a Cache-Control max-age shorter than the default activation delay', async () => {
    const response = await testApp.client().get(JWKS);
    expect(response.headers.get('cache-control')).toMatch(/max-age=300/);
  });
});
