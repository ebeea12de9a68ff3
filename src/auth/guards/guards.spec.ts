import { ExecutionContext } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { Test } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import { AppError } from '../../common/error-code';
import { AuthService } from '../auth.service';
import { SessionPrincipal } from '../authenticated-user';
import { Public } from '../decorators/public.decorator';
import { Roles } from '../decorators/roles.decorator';
import { JwtStrategy } from '../strategies/jwt.strategy';
import { CsrfGuard } from './csrf.guard';
import { JwtAuthGuard } from './jwt-auth.guard';
import { RolesGuard } from './roles.guard';

class FixtureController {
  @Public()
  open(): void {}

  closed(): void {}

  @Roles('admin')
  adminOnly(): void {}
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
  return { id: randomUUID(), sessionId: randomUUID(), roles, via };
}

async function setup() {
  const auth = { assertCsrfToken: jest.fn<Promise<void>, [string, string | undefined]>().mockResolvedValue(undefined) };
  const strategy = { validate: jest.fn<Promise<SessionPrincipal>, [unknown]>() };
  const moduleRef = await Test.createTestingModule({
    providers: [
      JwtAuthGuard,
      RolesGuard,
      CsrfGuard,
      { provide: AuthService, useValue: auth },
      { provide: JwtStrategy, useValue: strategy },
    ],
  }).compile();
  return {
    auth,
    strategy,
    jwtGuard: moduleRef.get(JwtAuthGuard),
    rolesGuard: moduleRef.get(RolesGuard),
    csrfGuard: moduleRef.get(CsrfGuard),
  };
}

describe('JwtAuthGuard', () => {
  it('lets a @Public() handler through without asking the access-token strategy', async () => {
    const { jwtGuard, strategy } = await setup();
    await expect(jwtGuard.canActivate(contextFor(FixtureController, 'open'))).resolves.toBe(true);
    expect(strategy.validate).not.toHaveBeenCalled();
  });

  it('lets every handler of a @Public() controller through without asking the strategy', async () => {
    const { jwtGuard, strategy } = await setup();
    await expect(jwtGuard.canActivate(contextFor(PublicFixtureController, 'anything'))).resolves.toBe(true);
    expect(strategy.validate).not.toHaveBeenCalled();
  });

  it('authenticates a handler without @Public() and sets the principal on the request', async () => {
    const { jwtGuard, strategy } = await setup();
    const user = principal('bearer');
    strategy.validate.mockResolvedValue(user);
    const context = contextFor(FixtureController, 'closed');
    await expect(jwtGuard.canActivate(context)).resolves.toBe(true);
    const request = context.switchToHttp().getRequest<FakeRequest>();
    expect(strategy.validate).toHaveBeenCalledWith(request);
    expect(request.user).toBe(user);
  });

  it.each(['TOKEN_MISSING', 'TOKEN_EXPIRED'] as const)("propagates the strategy's %s", async (code) => {
    const { jwtGuard, strategy } = await setup();
    strategy.validate.mockRejectedValue(new AppError(code, 'no'));
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
    expect(() => rolesGuard.canActivate(contextFor(FixtureController, 'adminOnly'))).toThrow(
      expect.objectContaining({ code: 'FORBIDDEN' }),
    );
  });
});

describe('CsrfGuard', () => {
  it('passes a request with no principal', async () => {
    const { csrfGuard, auth } = await setup();
    await expect(csrfGuard.canActivate(contextFor(FixtureController, 'closed', { method: 'POST' }))).resolves.toBe(true);
    expect(auth.assertCsrfToken).not.toHaveBeenCalled();
  });

  it.each(['bearer', 'body'] as const)('passes a %s principal on POST without asking AuthService', async (via) => {
    const { csrfGuard, auth } = await setup();
    const context = contextFor(FixtureController, 'closed', { method: 'POST', user: principal(via) });
    await expect(csrfGuard.canActivate(context)).resolves.toBe(true);
    expect(auth.assertCsrfToken).not.toHaveBeenCalled();
  });

  it.each(['GET', 'HEAD', 'OPTIONS'])('passes a cookie principal on %s without asking AuthService', async (method) => {
    const { csrfGuard, auth } = await setup();
    const context = contextFor(FixtureController, 'closed', { method, user: principal('cookie') });
    await expect(csrfGuard.canActivate(context)).resolves.toBe(true);
    expect(auth.assertCsrfToken).not.toHaveBeenCalled();
  });

  it.each(['POST', 'PUT', 'PATCH', 'DELETE'])(
    'checks the X-CSRF-Token of a cookie principal on %s against its session',
    async (method) => {
      const { csrfGuard, auth } = await setup();
      const user = principal('cookie');
      const context = contextFor(FixtureController, 'closed', { method, user, headers: { 'x-csrf-token': 'the-csrf-token' } });
      await expect(csrfGuard.canActivate(context)).resolves.toBe(true);
      expect(auth.assertCsrfToken).toHaveBeenCalledWith(user.sessionId, 'the-csrf-token');
    },
  );

  it('asks AuthService with no token when a cookie principal posts without X-CSRF-Token', async () => {
    const { csrfGuard, auth } = await setup();
    const user = principal('cookie');
    await csrfGuard.canActivate(contextFor(FixtureController, 'closed', { method: 'POST', user }));
    expect(auth.assertCsrfToken).toHaveBeenCalledWith(user.sessionId, undefined);
  });

  it("propagates AuthService's CSRF_TOKEN_INVALID", async () => {
    const { csrfGuard, auth } = await setup();
    auth.assertCsrfToken.mockRejectedValue(new AppError('CSRF_TOKEN_INVALID', 'Send the CSRF token'));
    const context = contextFor(FixtureController, 'closed', {
      method: 'POST',
      user: principal('cookie'),
      headers: { 'x-csrf-token': 'another-sessions-token' },
    });
    await expect(csrfGuard.canActivate(context)).rejects.toMatchObject({ code: 'CSRF_TOKEN_INVALID' });
  });
});
