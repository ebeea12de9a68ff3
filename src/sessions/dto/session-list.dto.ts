import { ApiProperty } from '@nestjs/swagger';
import { AssuranceLevel, AuthMethod, KeyStore } from '../key-store.entity';

/** A live session as its user or an admin sees it: never a key or a hash. */
export class SessionDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ format: 'date-time' })
  lastUsedAt: string;

  @ApiProperty({ format: 'date-time' })
  expiresAt: string;

  @ApiProperty({ type: String, nullable: true })
  userAgent: string | null;

  @ApiProperty({ type: String, nullable: true })
  ip: string | null;

  @ApiProperty({ enum: ['aal1', 'aal2'], description: '`aal2`: started with two factors, or a passkey that verified its user' })
  aal: AssuranceLevel;

  @ApiProperty({ type: [String], example: ['pwd', 'otp'], description: 'How it was started (RFC 8176): pwd, otp, hwk, user, recovery_code, fed' })
  amr: AuthMethod[];

  static of(session: KeyStore): SessionDto {
    return {
      id: session.id,
      createdAt: session.createdAt.toISOString(),
      lastUsedAt: session.lastUsedAt.toISOString(),
      expiresAt: session.expiresAt.toISOString(),
      userAgent: session.userAgent,
      ip: session.ip,
      aal: session.aal,
      amr: session.amr,
    };
  }
}

export class SessionListItemDto extends SessionDto {
  @ApiProperty({ description: 'The session of the token that asked' })
  current: boolean;

  static from(session: KeyStore, currentSessionId: string): SessionListItemDto {
    return { ...SessionDto.of(session), current: session.id === currentSessionId };
  }
}
