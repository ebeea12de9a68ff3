import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { TokenTransport } from '../../common/authenticated-user';
import { UserResponseDto } from '../../users';
import { IssuedSession } from '../issued-session';

class SessionInfoDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'date-time' })
  accessTokenExpiresAt: string;

  @ApiProperty({ format: 'date-time' })
  refreshTokenExpiresAt: string;
}

export class SessionResponseDto {
  @ApiProperty({ type: UserResponseDto })
  user: UserResponseDto;

  @ApiProperty({ type: SessionInfoDto })
  session: SessionInfoDto;

  @ApiPropertyOptional({ description: 'Cookie transport: send it back in X-CSRF-Token on unsafe requests.' })
  csrfToken?: string;

  @ApiPropertyOptional({ example: 'Bearer', description: 'Body transport only.' })
  tokenType?: 'Bearer';

  @ApiPropertyOptional({ description: 'Body transport only.' })
  accessToken?: string;

  @ApiPropertyOptional({ description: 'Body transport only.' })
  refreshToken?: string;

  @ApiPropertyOptional({ description: 'Body transport only: seconds left on the access token.' })
  expiresIn?: number;

  static from(issued: IssuedSession, transport: TokenTransport, now: number): SessionResponseDto {
    const base = {
      user: UserResponseDto.from(issued.user, now),
      session: {
        id: issued.sessionId,
        accessTokenExpiresAt: issued.access.expiresAt.toISOString(),
        refreshTokenExpiresAt: issued.refresh.expiresAt.toISOString(),
      },
    };
    if (transport !== 'body') return { ...base, csrfToken: issued.csrfToken };
    return {
      ...base,
      tokenType: 'Bearer',
      accessToken: issued.access.token,
      refreshToken: issued.refresh.token,
      expiresIn: issued.access.lifetimeSeconds,
    };
  }
}
