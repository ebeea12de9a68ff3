import { decodeToken } from './support/jws';
import { expectError } from './support/errors-assertions';
import { startTestApp, TestApp } from './support/test-app';
import { logIn } from './support/users';

/** CI sets REDIS_URL: the app then also checks Redis for readiness. */
const redisEnv: Record<string, string> = process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {};

describe('health, JWKS and docs', () => {
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await startTestApp(redisEnv);
  });
  afterAll(() => testApp.close());

  describe('health', () => {
    it('answers 200 on /health/live', async () => {
      expect((await testApp.client().get('/health/live')).status).toBe(200);
    });

    it('answers 200 on /health/ready with the database up', async () => {
      const response = await testApp.client().get('/health/ready');
      expect(response.status).toBe(200);
      expect(response.body.status).toBe('ok');
      expect(response.body.details).toEqual({
        database: { status: 'up' },
        redis: { status: process.env.REDIS_URL ? 'up' : 'not configured' },
        invalidation: { status: 'up' },
      });
    });

    (process.env.REDIS_URL ? it : it.skip)('reports Redis up on /health/ready when REDIS_URL is set', async () => {
      const response = await testApp.client().get('/health/ready');
      expect(response.status).toBe(200);
      expect(response.body.details.redis.status).toBe('up');
    });

    describe('once the database is gone', () => {
      let doomedApp: TestApp;
      let bearer: string;
      beforeAll(async () => {
        doomedApp = await startTestApp(redisEnv);
        bearer = (await logIn(doomedApp, 'body')).login.body.accessToken;
        await doomedApp.dataSource.destroy();
      });
      afterAll(() => doomedApp.close());

      it('answers 503 SERVICE_UNAVAILABLE on /health/ready, naming the database in its details', async () => {
        const response = await doomedApp.client().get('/health/ready');
        expect(response.status).toBe(503);
        expect(response.body).toMatchObject({
          statusCode: 503,
          error: 'Service Unavailable',
          code: 'SERVICE_UNAVAILABLE',
          message: expect.any(String),
          details: { database: { status: 'down' } },
        });
      });

      it('still answers 200 on /health/live', async () => {
        expect((await doomedApp.client().get('/health/live')).status).toBe(200);
      });

      it('answers 503 SERVICE_UNAVAILABLE, not a 500, on an authenticated route that needs the database', async () => {
        const response = await doomedApp.client().get('/api/v1/users/me', { headers: { authorization: `Bearer ${bearer}` } });
        expectError(response, 503, 'SERVICE_UNAVAILABLE');
      });
    });
  });

  describe('JWKS', () => {
    it('publishes one public EC P-256 key, without a token', async () => {
      const response = await testApp.client().get('/.well-known/jwks.json');
      expect(response.status).toBe(200);
      expect(response.body.keys).toHaveLength(1);
      expect(response.body.keys[0]).toEqual(
        expect.objectContaining({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: expect.any(String), x: expect.any(String), y: expect.any(String) }),
      );
    });

    it('publishes no private part', async () => {
      const [key] = (await testApp.client().get('/.well-known/jwks.json')).body.keys;
      for (const privateMember of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) expect(key).not.toHaveProperty(privateMember);
    });

    it('publishes the key whose kid access tokens carry', async () => {
      const { login } = await logIn(testApp, 'body');
      const [key] = (await testApp.client().get('/.well-known/jwks.json')).body.keys;
      expect(decodeToken(login.body.accessToken).header.kid).toBe(key.kid);
    });

    it('does not publish the key of refresh tokens', async () => {
      const { login } = await logIn(testApp, 'body');
      const { keys } = (await testApp.client().get('/.well-known/jwks.json')).body;
      expect(keys.map((key: { kid: string }) => key.kid)).not.toContain(decodeToken(login.body.refreshToken).header.kid);
    });
  });

  describe('docs', () => {
    const API_OPERATIONS = [
      ['post', '/api/v1/auth/register'],
      ['post', '/api/v1/auth/login'],
      ['post', '/api/v1/auth/refresh'],
      ['post', '/api/v1/auth/logout'],
      ['post', '/api/v1/auth/logout-all'],
      ['get', '/api/v1/auth/sessions'],
      ['delete', '/api/v1/auth/sessions/{id}'],
      ['get', '/api/v1/users/me'],
      ['patch', '/api/v1/users/me'],
      ['delete', '/api/v1/users/me'],
      ['post', '/api/v1/users/me/password'],
      ['delete', '/api/v1/users/{id}/sessions'],
    ];
    let document: any;
    beforeAll(async () => {
      document = (await testApp.client().get('/docs/openapi.json')).body;
    });

    it('serves Swagger UI as HTML on /docs', async () => {
      const response = await testApp.client().get('/docs');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(response.body).toMatch(/swagger/i);
    });

    it('serves an OpenAPI 3 document on /docs/openapi.json', async () => {
      const response = await testApp.client().get('/docs/openapi.json');
      expect(response.status).toBe(200);
      expect(response.body.openapi).toMatch(/^3\./);
    });

    it.each(API_OPERATIONS)('documents %s %s', (method, path) => {
      expect(document.paths[path]?.[method]).toBeDefined();
    });

    it('has security schemes for a bearer token and a cookie', () => {
      const schemes = Object.values(document.components.securitySchemes);
      expect(schemes).toContainEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
      expect(schemes).toContainEqual(expect.objectContaining({ type: 'apiKey', in: 'cookie' }));
    });

    it('documents the error responses, with the error body', () => {
      const unauthorized = document.paths['/api/v1/users/me'].get.responses['401'];
      expect(unauthorized).toBeDefined();
      const schemaRef: string = unauthorized.content['application/json'].schema.$ref;
      const schema = document.components.schemas[schemaRef.split('/').pop()!];
      expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['statusCode', 'error', 'code', 'message', 'details']));
      expect(document.paths['/api/v1/auth/register'].post.responses['409']).toBeDefined();
    });

    describe('with SWAGGER_ENABLED=false', () => {
      let quietApp: TestApp;
      beforeAll(async () => {
        quietApp = await startTestApp({ SWAGGER_ENABLED: 'false' });
      });
      afterAll(() => quietApp.close());

      it('answers 404 on /docs and /docs/openapi.json', async () => {
        expectError(await quietApp.client().get('/docs'), 404, 'NOT_FOUND');
        expectError(await quietApp.client().get('/docs/openapi.json'), 404, 'NOT_FOUND');
      });
    });
  });
});
