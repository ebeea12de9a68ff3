import { Inject, Injectable } from '@nestjs/common';
import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../common/error-code';
import { TokensConfig, tokensConfig } from './tokens.config';
import { TokenTransport } from '../common/authenticated-user';
import { SignedToken } from './principals';

export const REFRESH_COOKIE_PATH = '/api/v1/auth';

export interface PresentedToken {
  token: string;
  via: TokenTransport;
}

/** Where tokens travel in cookie transport, and where each kind of token is read from a request. */
@Injectable()
export class TokenCookies {
  readonly names: { access: string; refresh: string; csrf: string; mfa: string; oidcFlow: string };

  constructor(@Inject(tokensConfig.KEY) private readonly config: TokensConfig) {
    const secure = config.cookieSecure;
    this.names = {
      access: secure ? '__Host-access_token' : 'access_token',
      refresh: secure ? '__Secure-refresh_token' : 'refresh_token',
      csrf: secure ? '__Host-csrf_token' : 'csrf_token',
      mfa: secure ? '__Host-mfa_token' : 'mfa_token',
      oidcFlow: secure ? '__Host-oidc_flow' : 'oidc_flow',
    };
  }

  set(reply: FastifyReply, session: { access: SignedToken; refresh: SignedToken; csrfToken: string }): void {
    const refreshSeconds = session.refresh.lifetimeSeconds;
    reply.setCookie(this.names.access, session.access.token, this.options('/', true, session.access.lifetimeSeconds));
    reply.setCookie(this.names.refresh, session.refresh.token, this.options(REFRESH_COOKIE_PATH, true, refreshSeconds));
    reply.setCookie(this.names.csrf, session.csrfToken, this.options('/', false, refreshSeconds));
  }

  clear(reply: FastifyReply): void {
    reply.setCookie(this.names.access, '', this.options('/', true, 0));
    reply.setCookie(this.names.refresh, '', this.options(REFRESH_COOKIE_PATH, true, 0));
    reply.setCookie(this.names.csrf, '', this.options('/', false, 0));
  }

  /** The MFA token of a sign-in that came back from a provider (a redirect has no body to carry it). */
  setMfaToken(reply: FastifyReply, mfaToken: string, lifetimeSeconds: number): void {
    reply.setCookie(this.names.mfa, mfaToken, this.options('/', true, lifetimeSeconds));
  }

  mfaToken(request: FastifyRequest): string | undefined {
    return request.cookies?.[this.names.mfa] || undefined;
  }

  clearMfaToken(reply: FastifyReply): void {
    reply.setCookie(this.names.mfa, '', this.options('/', true, 0));
  }

  /**
   * Binds sign-ins at a provider to this browser. Lax, unlike the others:
   * the provider's redirect back is a cross-site navigation, which carries no
   * Strict cookie. A browser keeps one value for all its flows (two tabs).
   */
  setFlowBinding(reply: FastifyReply, value: string, lifetimeSeconds: number): void {
    reply.setCookie(this.names.oidcFlow, value, { ...this.options('/', true, lifetimeSeconds), sameSite: 'lax' });
  }

  flowBinding(request: FastifyRequest): string | undefined {
    return request.cookies?.[this.names.oidcFlow] || undefined;
  }

  /** The access token: the Authorization header wins over the cookie; never the query string. */
  accessToken(request: FastifyRequest): PresentedToken | undefined {
    const header = request.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer +([^\s]+) *$/i.exec(header);
      if (!match) throw new AppError('TOKEN_INVALID', 'The Authorization header must be "Bearer <access token>"');
      return { token: match[1], via: 'bearer' };
    }
    const cookie = request.cookies?.[this.names.access];
    return cookie ? { token: cookie, via: 'cookie' } : undefined;
  }

  /** The refresh token: `refreshToken` in the JSON body (body transport), else the cookie. */
  refreshToken(request: FastifyRequest): PresentedToken | undefined {
    const body = request.body as { refreshToken?: unknown } | undefined;
    if (body && typeof body === 'object' && body.refreshToken !== undefined) {
      if (typeof body.refreshToken !== 'string' || !body.refreshToken) {
        throw new AppError('VALIDATION_FAILED', 'refreshToken must be a non-empty string', {
          details: [{ field: 'refreshToken', messages: ['refreshToken must be a non-empty string'] }],
        });
      }
      return { token: body.refreshToken, via: 'body' };
    }
    const cookie = request.cookies?.[this.names.refresh];
    return cookie ? { token: cookie, via: 'cookie' } : undefined;
  }

  /** A passport-jwt extractor of the access or refresh cookie. */
  extractor(kind: 'access' | 'refresh'): (request: FastifyRequest) => string | null {
    const name = this.names[kind];
    return (request) => request.cookies?.[name] ?? null;
  }

  private options(path: string, httpOnly: boolean, maxAge: number): CookieSerializeOptions {
    return { path, httpOnly, secure: this.config.cookieSecure, sameSite: 'strict', maxAge };
  }
}
