import { ApiProperty } from '@nestjs/swagger';
import { IdentityResponseDto } from '../../identities';
import { MfaStatusDto } from '../../mfa';
import { AssuranceLevel, AuthMethod, KeyStore } from '../../sessions';
import { UserResponseDto } from '../../users';
import type { DirectoryEntry, DirectoryPage, UserDossier } from '../user-directory.service';

/** The user as GET /users/me shows it, and what an admin needs beside it. */
export class AdminUserDto extends UserResponseDto {
  @ApiProperty({ description: 'Disabled by an admin: every way in is refused' })
  disabled: boolean;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the latest session started' })
  lastLoginAt: string | null;

  @ApiProperty({ example: 2 })
  activeSessions: number;

  /** `now`: the service's clock (see UserResponseDto). */
  static of(entry: DirectoryEntry, now: number): AdminUserDto {
    const { user } = entry;
    return {
      ...UserResponseDto.from(user, now),
      disabled: user.disabled,
      lastLoginAt: user.lastLoginAt?.toISOString() ?? null,
      activeSessions: entry.activeSessions,
    };
  }
}

export class AdminUserPageDto {
  @ApiProperty({ type: [AdminUserDto] })
  items: AdminUserDto[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor: string | null;

  static of(page: DirectoryPage, now: number): AdminUserPageDto {
    return { items: page.items.map((entry) => AdminUserDto.of(entry, now)), nextCursor: page.nextCursor };
  }
}

export class AdminSessionDto {
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

  @ApiProperty({ enum: ['aal1', 'aal2'] })
  aal: AssuranceLevel;

  @ApiProperty({ type: [String], example: ['pwd', 'otp'] })
  amr: AuthMethod[];

  static of(session: KeyStore): AdminSessionDto {
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

/** One account as an admin sees it: never a hash, a secret or a key. */
export class AdminUserDetailsDto extends AdminUserDto {
  @ApiProperty({ type: [AdminSessionDto], description: 'Live sessions, most recently used first' })
  sessions: AdminSessionDto[];

  @ApiProperty({ type: MfaStatusDto })
  mfa: MfaStatusDto;

  @ApiProperty({ example: 1, description: 'How many passkeys the account has' })
  passkeys: number;

  @ApiProperty({ type: [IdentityResponseDto] })
  identities: IdentityResponseDto[];

  static ofDossier(dossier: UserDossier, now: number): AdminUserDetailsDto {
    return {
      ...AdminUserDto.of(dossier, now),
      sessions: dossier.sessions.map((session) => AdminSessionDto.of(session)),
      mfa: MfaStatusDto.from(dossier.mfa),
      passkeys: dossier.passkeys,
      identities: dossier.identities.map((identity) => IdentityResponseDto.from(identity)),
    };
  }
}
