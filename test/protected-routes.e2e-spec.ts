import { RequestMethod, Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { MetadataScanner, ModulesContainer } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import { IS_PUBLIC } from '../src/common/decorators/public.decorator';
import { startTestApp, TestApp } from './support/test-app';

interface Route {
  method: string;
  /** As registered in Fastify, e.g. /api/v1/auth/sessions/:id */
  path: string;
  isPublic: boolean;
}

/** The pages outside production (where the mailed links lead, and the account page): for people, not in the OpenAPI document. */
const PAGES = ['GET /verify-email', 'GET /reset-password', 'GET /account-pages.js', 'GET /account', 'GET /account.js', 'GET /mfa'];

const PUBLIC_ROUTES = [
  'POST /api/v1/auth/register',
  'POST /api/v1/auth/login',
  // Authenticated by the MFA token of a login challenge, not by an access token.
  'POST /api/v1/auth/login/mfa',
  // A passkey sign-in: discoverable options, then the signed answer.
  'POST /api/v1/auth/passkey/options',
  'POST /api/v1/auth/passkey/login',
  // Sign-in at an OpenID Connect provider: the list for a sign-in page, the redirect there, and its answer (bound to the browser by the flow cookie).
  'GET /api/v1/auth/providers',
  'GET /api/v1/auth/oidc/:provider',
  'GET /api/v1/auth/oidc/:provider/callback',
  'POST /api/v1/auth/refresh',
  'POST /api/v1/auth/logout',
  'POST /api/v1/auth/password/forgot',
  'POST /api/v1/auth/password/reset',
  'POST /api/v1/auth/email/verify',
  'GET /health/live',
  'GET /health/ready',
  'GET /.well-known/jwks.json',
  // Guarded by METRICS_TOKEN when one is set, never by an access token.
  'GET /metrics',
  ...PAGES,
];

const join = (...parts: string[]) =>
  `/${parts
    .flatMap((part) => part.split('/'))
    .filter(Boolean)
    .join('/')}`;
const label = (route: Route) => `${route.method} ${route.path}`;
const withParams = (path: string) => path.replace(/:[^/]+/g, randomUUID());

/**
 * Every handler of every controller, from Nest's own metadata; the URL is the
 * one of the prefix/version candidates that Fastify actually serves.
 */
function discoverRoutes(testApp: TestApp): Route[] {
  const fastify = testApp.app.getHttpAdapter().getInstance();
  const scanner = new MetadataScanner();
  const routes: Route[] = [];
  for (const module of testApp.app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type;
      const controllerPaths: string[] = [Reflect.getMetadata(PATH_METADATA, controller) ?? '/'].flat();
      for (const name of scanner.getAllMethodNames(controller.prototype)) {
        const handler = controller.prototype[name];
        const methodPaths: string[] | undefined = [Reflect.getMetadata(PATH_METADATA, handler)].flat().filter((p) => p !== undefined);
        if (methodPaths.length === 0) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
        const isPublic = (Reflect.getMetadata(IS_PUBLIC, handler) ?? Reflect.getMetadata(IS_PUBLIC, controller)) === true;
        for (const controllerPath of controllerPaths) {
          for (const methodPath of methodPaths) {
            const relative = join(controllerPath, methodPath);
            const served = ['/api/v1', '/api', '/v1', '/'].map((prefix) => join(prefix, relative)).filter((url) => fastify.hasRoute({ method, url }));
            if (served.length !== 1) throw new Error(`${method} ${relative} is served at ${JSON.stringify(served)}, expected exactly one URL`);
            routes.push({ method, path: served[0], isPublic });
          }
        }
      }
    }
  }
  return routes;
}

describe('deny by default: every route needs an access token unless it is public', () => {
  let testApp: TestApp;
  let routes: Route[];

  beforeAll(async () => {
    testApp = await startTestApp();
    routes = discoverRoutes(testApp);
  });
  afterAll(() => testApp.close());

  it('finds every route of the running app (at least 12)', () => {
    expect(routes.length).toBeGreaterThanOrEqual(12);
    expect(routes.map(label)).toEqual(expect.arrayContaining(['GET /api/v1/users/me', 'DELETE /api/v1/users/:id/sessions', ...PUBLIC_ROUTES]));
  });

  it('has exactly the public routes of the contract', () => {
    expect(
      routes
        .filter((route) => route.isPublic)
        .map(label)
        .sort(),
    ).toEqual([...PUBLIC_ROUTES].sort());
  });

  it('answers 401 TOKEN_MISSING without a token on every other route', async () => {
    const answers = [];
    for (const route of routes.filter((candidate) => !candidate.isPublic)) {
      const response = await testApp.client().request(route.method, withParams(route.path));
      answers.push({ route: label(route), status: response.status, code: response.body?.code });
    }
    expect(answers.length).toBeGreaterThanOrEqual(8);
    expect(answers).toEqual(answers.map(({ route }) => ({ route, status: 401, code: 'TOKEN_MISSING' })));
  });

  it('answers 401 TOKEN_INVALID to a forged token on every other route', async () => {
    const answers = [];
    for (const route of routes.filter((candidate) => !candidate.isPublic)) {
      const response = await testApp.client().request(route.method, withParams(route.path), {
        headers: { authorization: 'Bearer eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln' },
      });
      answers.push({ route: label(route), status: response.status, code: response.body?.code });
    }
    expect(answers).toEqual(answers.map(({ route }) => ({ route, status: 401, code: 'TOKEN_INVALID' })));
  });

  it('documents the same routes in OpenAPI, the public ones without an access-token requirement', async () => {
    const document = (await testApp.client().get('/docs/openapi.json')).body;
    const needsAccessToken = (security: Array<Record<string, unknown>>) => security.some((requirement) => 'bearer' in requirement || 'access-cookie' in requirement);
    const operations = Object.entries(document.paths as Record<string, Record<string, { security?: Array<Record<string, unknown>> }>>).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => ({
        route: `${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`,
        isPublic: !needsAccessToken(operation.security ?? document.security ?? []),
      })),
    );
    const apiRoutes = routes.map(label).filter((route) => !PAGES.includes(route));
    expect(operations.map(({ route }) => route).sort()).toEqual(apiRoutes.sort());
    expect(
      operations
        .filter(({ isPublic }) => isPublic)
        .map(({ route }) => route)
        .sort(),
    ).toEqual(PUBLIC_ROUTES.filter((route) => !PAGES.includes(route)).sort());
  });

  it('serves the docs without a token', async () => {
    expect((await testApp.client().get('/docs')).status).toBe(200);
    expect((await testApp.client().get('/docs/openapi.json')).status).toBe(200);
  });
});
