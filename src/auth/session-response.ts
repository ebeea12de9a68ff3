import type { FastifyReply } from 'fastify';
import { TokenTransport } from '../common/authenticated-user';
import { AppError } from '../common/error-code';
import { TokenCookies } from '../tokens';
import { SessionResponseDto } from './dto/session-response.dto';
import { IssuedSession } from './issued-session';

/** The transport a sign-in asked for with `X-Token-Transport` (cookie by default). */
export function loginTransport(header: string | undefined): TokenTransport {
  const value = header?.trim().toLowerCase();
  if (value === undefined || value === '' || value === 'cookie') return 'cookie';
  if (value === 'body') return 'body';
  throw new AppError('VALIDATION_FAILED', 'X-Token-Transport must be "body" or "cookie"', {
    details: [{ field: 'X-Token-Transport', messages: ['must be "body" or "cookie"'] }],
  });
}

/** A new session, answered in its transport: cookies set and the CSRF token in the body, or the tokens in the body. */
export function sessionResponse(issued: IssuedSession, transport: TokenTransport, reply: FastifyReply, cookies: TokenCookies, now: number): SessionResponseDto {
  if (transport === 'cookie') cookies.set(reply, issued);
  return SessionResponseDto.from(issued, transport, now);
}
