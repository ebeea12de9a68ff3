import { ExecutionContext } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { Test } from '@nestjs/testing';
import { JsonWebTokenError } from 'jsonwebtoken';
import { randomUUID } from 'node:crypto';
import passport, { Strategy } from 'passport';
import { AppError } from '../../common/error-code';
import { Public } from '../../common/decorators/public.decorator';
import { Roles } from '../../common/decorators/roles.decorator';
import { SessionAuthenticator } from '../../sessions';
import { AccessClaims, JWT_STRATEGY, JwtStrategy, SessionPrincipal, TokenCookies, TokenService } from '../../tokens';
import { AccessTokenVerifier } from '../access-token-verifier.service';
import { CsrfGuard } from './csrf.guard';
import { JwtAuthGuard } from './jwt-auth.guard';
import { RolesGuard } from './roles.guard';
import { AssuranceGuard } from './assurance.guard';
import { RequireAal2 } from '../../common/decorators/require-aal2.decorator';

class FixtureController {
  @Public()
  open(): void {}

  closed(): void {}

  @Roles('admin')
  adminOnly(): void {}

  @Roles('admin', 'auditor')
  staffOnly(): void {}

  @RequireAal2()
  sensitive(): void {}
}

@RequireAal2()
class SensitiveFixtureController {
  anything(): void {}
}

@Public()
class PublicFixtureController {
  anything(): void {}
}

interface FakeRequest {
  method: string;
  headers: Record<string, string>;
  user?: SessionPrincipal;
}

/** An HTTP ExecutionContext for `handler` of `controller`, carrying `request`. */
function contextFor(controller: new () => object, handler: string, request: Partial<FakeRequest> = {}): ExecutionContext {
  const fullRequest: FakeRequest = { method: 'GET', headers: {}, ...request };
  const host = new ExecutionContextHost([fullRequest, {}], controller, (controller.prototype as Record<string, () => void>)[handler]);
  host.setType('http');
  return host;
}

function principal(via: SessionPrincipal['via'], roles: string[] = ['user']): SessionPrincipal {
  return { id: randomUUID(), sessionId: randomUUID(), roles, aal: 'aal1', amr: ['pwd'], via };
}

/** Stands in for the `jwt` strategy in Passport's registry: answers what the test tells it to. */
class ScriptedStrategy extends Strategy {
  outcome: { user: SessionPrincipal } | { info: unknown } = { info: undefined };

  override authenticate(): void {
    if ('user' in this.outcome) this.success(this.outcome.user);
    else this.fail(this.outcome.info as never);
  }
}

async function setup() {
  const sessions = {
    authenticateAccess: jest.fn<Promise<SessionPrincipal>, [AccessClaims, string]>(),
    assertCsrfToken: jest.fn<Promise<void>, [string, string | undefined]>().mockResolvedValue(undefined),
  };
  const cookies = { accessToken: jest.fn<{ token: string; via: string } | undefined, [unknown]>() };
  const tokens = { cachedAccessClaims: jest.fn<AccessClaims | undefined, [string]>() };
  const strategy = new ScriptedStrategy();
  passport.use(JWT_STRATEGY, strategy);
  const moduleRef = await Test.createTestingModule({
    providers: [
      JwtAuthGuard,
      AccessTokenVerifier,
      { provide: JwtStrategy, useValue: strategy },
      RolesGuard,
      AssuranceGuard,
      CsrfGuard,
      { provide: SessionAuthenticator, useValue: sessions },
      { provide: TokenCookies, useValue: cookies },
      { provide: TokenService, useValue: tokens },
    ],
  }).compile();
  return {
    sessions,
    cookies,
    tokens,
    strategy,
    jwtGuard: moduleRef.get(JwtAuthGuard),
    rolesGuard: moduleRef.get(RolesGuard),
    assuranceGuard: moduleRef.get(AssuranceGuard),
    csrfGuard: moduleRef.get(CsrfGuard),
  };
}

describe('JwtAuthGuard', () => {
  it('lets a @Public() handler through without looking for a token', async () => {
    const { jwtGuard, cookies } = await setup();
    await expect(Promise.resolve(jwtGuard.canActivate(contextFor(FixtureController, 'open')))).resolves.toBe(true);
    expect(cookies.accessToken).not.toHaveBeenCalled();
  });

  it('lets every handler of a @Public() controller through without looking for a token', async () => {
    const { jwtGuard, cookies } = await setup();
    await expect(Promise.resolve(jwtGuard.canActivate(contextFor(PublicFixtureController, 'anything')))).resolves.toBe(true);
    expect(cookies.accessToken).not.toHaveBeenCalled();
  });

  it('answers TOKEN_MISSING to a protected handler without a token', async () => {
    const { jwtGuard, cookies } = await setup();
    cookies.accessToken.mockReturnValue(undefined);
    await expect(jwtGuard.canActivate(contextFor(FixtureController, 'closed'))).rejects.toMatchObject({ code: 'TOKEN_MISSING' });
  });

  it('answers a token verified before from the cache, checking its session, without Passport', async () => {
    const { jwtGuard, cookies, tokens, sessions, strategy } = await setup();
    const user = principal('bearer');
    const claims = { sub: user.id, sid: user.sessionId } as AccessClaims;
    cookies.accessToken.mockReturnValue({ token: 'cached-token', via: 'bearer' });
    tokens.cachedAccessClaims.mockReturnValue(claims);
    sessions.authenticateAccess.mockResolvedValue(user);
    strategy.outcome = { info: new JsonWebTokenError('Passport must not run') };
    const context = contextFor(FixtureController, 'closed');
    await expect(Promise.resolve(jwtGuard.canActivate(context))).resolves.toBe(true);
    expect(sessions.authenticateAccess).toHaveBeenCalledWith(claims, 'bearer');
    expect(context.switchToHttp().getRequest<FakeRequest>().user).toBe(user);
  });

  it('sets the principal the jwt strategy authenticated for a token not seen before', async () => {
    const { jwtGuard, cookies, tokens, strategy } = await setup();
    const user = principal('bearer');
    cookies.accessToken.mockReturnValue({ token: 'new-token', via: 'bearer' });
    tokens.cachedAccessClaims.mockReturnValue(undefined);
    strategy.outcome = { user };
    const context = contextFor(FixtureController, 'closed');
    await expect(Promise.resolve(jwtGuard.canActivate(context))).resolves.toBe(true);
    expect(context.switchToHttp().getRequest<FakeRequest>().user).toBe(user);
  });

  it.each([
    ['keeps the code of a refusal of its own', new AppError('SESSION_REVOKED', 'ended'), 'SESSION_REVOKED'],
    ['answers TOKEN_INVALID to a signature jsonwebtoken refused', new JsonWebTokenError('invalid signature'), 'TOKEN_INVALID'],
  ])('%s', async (_label, info, code) => {
    const { jwtGuard, cookies, tokens, strategy } = await setup();
    cookies.accessToken.mockReturnValue({ token: 'new-token', via: 'bearer' });
    tokens.cachedAccessClaims.mockReturnValue(undefined);
    strategy.outcome = { info };
    await expect(jwtGuard.canActivate(contextFor(FixtureController, 'closed'))).rejects.toMatchObject({ code });
  });
});

describe('RolesGuard', () => {
  it('passes a handler without @Roles', async () => {
    const { rolesGuard } = await setup();
    expect(rolesGuard.canActivate(contextFor(FixtureController, 'closed', { user: principal('bearer', []) }))).toBe(true);
  });

  it('passes a user who has the role', async () => {
    const { rolesGuard } = await setup();
    const context = contextFor(FixtureController, 'adminOnly', { user: principal('bearer', ['user', 'admin']) });
    expect(rolesGuard.canActivate(context)).toBe(true);
  });

  it('throws FORBIDDEN for a user without the role', async () => {
    const { rolesGuard } = await setup();
    const context = contextFor(FixtureController, 'adminOnly', { user: principal('bearer', ['user']) });
    expect(() => rolesGuard.canActivate(context)).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
  });

  it('throws FORBIDDEN when there is no user at all', async () => {
    const { rolesGuard } = await setup();
    expect(() => rolesGuard.canActivate(contextFor(FixtureController, 'adminOnly'))).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
  });

  it('throws FORBIDDEN for a principal that carries no roles (a refresh principal)', async () => {
    const { rolesGuard } = await setup();
    const refreshPrincipal: SessionPrincipal = { id: randomUUID(), sessionId: randomUUID(), refreshKey: 'key', via: 'body' };
    const context = contextFor(FixtureController, 'adminOnly', { user: refreshPrincipal });
    expect(() => rolesGuard.canActivate(context)).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
  });

  it('names the role that is missing', async () => {
    const { rolesGuard } = await setup();
    const context = contextFor(FixtureController, 'adminOnly', { user: principal('bearer', ['user']) });
    expect(() => rolesGuard.canActivate(context)).toThrow(expect.objectContaining({ code: 'FORBIDDEN', message: 'This needs the role admin' }));
  });

  // @Roles('admin', 'auditor') asks for one of them (docs/EXTENDING.md), not both.
  it.each([{ roles: ['admin'] }, { roles: ['auditor'] }, { roles: ['user', 'auditor'] }])(
    'passes a user with $roles where admin or auditor is needed',
    async ({ roles }) => {
      const { rolesGuard } = await setup();
      expect(rolesGuard.canActivate(contextFor(FixtureController, 'staffOnly', { user: principal('bearer', roles) }))).toBe(true);
    },
  );

  it('throws FORBIDDEN, naming every role that would do, for a user with none of them', async () => {
    const { rolesGuard } = await setup();
    const context = contextFor(FixtureController, 'staffOnly', { user: principal('bearer', ['user', 'administrator']) });
    expect(() => rolesGuard.canActivate(context)).toThrow(expect.objectContaining({ code: 'FORBIDDEN', message: 'This needs the role admin or auditor' }));
  });
});

describe('AssuranceGuard', () => {
  const at = (aal: 'aal1' | 'aal2'): SessionPrincipal => ({ ...principal('bearer'), aal, amr: aal === 'aal2' ? ['pwd', 'otp'] : ['pwd'] });

  it('passes any session on a route without @RequireAal2', async () => {
    const { assuranceGuard } = await setup();
    expect(assuranceGuard.canActivate(contextFor(FixtureController, 'closed', { user: at('aal1') }))).toBe(true);
  });

  it.each([
    ['a handler', FixtureController, 'sensitive'],
    ['a controller', SensitiveFixtureController, 'anything'],
  ] as const)('refuses an aal1 session with MFA_REQUIRED where %s is marked, and passes an aal2 one', async (_label, controller, handler) => {
    const { assuranceGuard } = await setup();
    expect(() => assuranceGuard.canActivate(contextFor(controller, handler, { user: at('aal1') }))).toThrow(expect.objectContaining({ code: 'MFA_REQUIRED' }));
    expect(assuranceGuard.canActivate(contextFor(controller, handler, { user: at('aal2') }))).toBe(true);
  });

  it('refuses with MFA_REQUIRED when there is no session at all, or one that says nothing of its assurance', async () => {
    const { assuranceGuard } = await setup();
    expect(() => assuranceGuard.canActivate(contextFor(FixtureController, 'sensitive'))).toThrow(expect.objectContaining({ code: 'MFA_REQUIRED' }));
    const refreshPrincipal: SessionPrincipal = { id: randomUUID(), sessionId: randomUUID(), refreshKey: 'key', via: 'body' };
    expect(() => assuranceGuard.canActivate(contextFor(FixtureController, 'sensitive', { user: refreshPrincipal }))).toThrow(
      expect.objectContaining({ code: 'MFA_REQUIRED' }),
    );
  });
});

describe('CsrfGuard', () => {
  it('passes a request with no principal', async () => {
    const { csrfGuard, sessions } = await setup();
    await expect(Promise.resolve(csrfGuard.canActivate(contextFor(FixtureController, 'closed', { method: 'POST' })))).resolves.toBe(true);
    expect(sessions.assertCsrfToken).not.toHaveBeenCalled();
  });

  it.each(['bearer', 'body'] as const)('passes a %s principal on POST without asking for the session', async (via) => {
    const { csrfGuard, sessions } = await setup();
    const context = contextFor(FixtureController, 'closed', { method: 'POST', user: principal(via) });
    await expect(Promise.resolve(csrfGuard.canActivate(context))).resolves.toBe(true);
    expect(sessions.assertCsrfToken).not.toHaveBeenCalled();
  });

  it.each(['GET', 'HEAD', 'OPTIONS'])('passes a cookie principal on %s without asking for the session', async (method) => {
    const { csrfGuard, sessions } = await setup();
    const context = contextFor(FixtureController, 'closed', { method, user: principal('cookie') });
    await expect(Promise.resolve(csrfGuard.canActivate(context))).resolves.toBe(true);
    expect(sessions.assertCsrfToken).not.toHaveBeenCalled();
  });

  it.each(['POST', 'PUT', 'PATCH', 'DELETE'])('checks the X-CSRF-Token of a cookie principal on %s against its session', async (method) => {
    const { csrfGuard, sessions } = await setup();
    const user = principal('cookie');
    const context = contextFor(FixtureController, 'closed', { method, user, headers: { 'x-csrf-token': 'the-csrf-token' } });
    await expect(Promise.resolve(csrfGuard.canActivate(context))).resolves.toBe(true);
    expect(sessions.assertCsrfToken).toHaveBeenCalledWith(user.sessionId, 'the-csrf-token');
  });

  it('asks the session authenticator with no token when a cookie principal posts without X-CSRF-Token', async () => {
    const { csrfGuard, sessions } = await setup();
    const user = principal('cookie');
    await csrfGuard.canActivate(contextFor(FixtureController, 'closed', { method: 'POST', user }));
    expect(sessions.assertCsrfToken).toHaveBeenCalledWith(user.sessionId, undefined);
  });

  it('takes an empty X-CSRF-Token for no token', async () => {
    const { csrfGuard, sessions } = await setup();
    const user = principal('cookie');
    await csrfGuard.canActivate(contextFor(FixtureController, 'closed', { method: 'POST', user, headers: { 'x-csrf-token': '' } }));
    expect(sessions.assertCsrfToken).toHaveBeenCalledWith(user.sessionId, undefined);
  });

  it("propagates the session authenticator's CSRF_TOKEN_INVALID", async () => {
    const { csrfGuard, sessions } = await setup();
    sessions.assertCsrfToken.mockRejectedValue(new AppError('CSRF_TOKEN_INVALID', 'Send the CSRF token'));
    const context = contextFor(FixtureController, 'closed', {
      method: 'POST',
      user: principal('cookie'),
      headers: { 'x-csrf-token': 'another-sessions-token' },
    });
    await expect(csrfGuard.canActivate(context)).rejects.toMatchObject({ code: 'CSRF_TOKEN_INVALID' });
  });
});
