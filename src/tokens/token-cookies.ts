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
  readonly names: { access: string; refresh: string; csrf: string };

  constructor(@Inject(tokensConfig.KEY) private readonly config: TokensConfig) {
    const secure = config.cookieSecure;
    this.names = {
      access: secure ? '__Host-access_token' : 'access_token',
      refresh: secure ? '__Secure-refresh_token' : 'refresh_token',
      csrf: secure ? '__Host-csrf_token' : 'csrf_token',
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
