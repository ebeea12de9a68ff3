import { Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { AppError } from '../../common/error-code';
import { JWT_REFRESH_STRATEGY } from '../strategies/strategy-names';

/** Authenticates refresh requests by their refresh token. */
@Injectable()
export class JwtRefreshGuard extends AuthGuard(JWT_REFRESH_STRATEGY) {
  override handleRequest<TUser>(error: unknown, user: TUser): TUser {
    if (error) throw error;
    if (!user) throw new AppError('TOKEN_MISSING', 'A refresh token is required');
    return user;
  }
}
