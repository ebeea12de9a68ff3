import { ApiProperty } from '@nestjs/swagger';
import { IdentityResponseDto } from '../../identities';
import { MfaStatusDto } from '../../mfa';
import { SessionDto } from '../../sessions';
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

/** One account as an admin sees it: never a hash, a secret or a key. */
export class AdminUserDetailsDto extends AdminUserDto {
  @ApiProperty({ type: [SessionDto], description: 'Live sessions, most recently used first' })
  sessions: SessionDto[];

  @ApiProperty({ type: MfaStatusDto })
  mfa: MfaStatusDto;

  @ApiProperty({ example: 1, description: 'How many passkeys the account has' })
  passkeys: number;

  @ApiProperty({ type: [IdentityResponseDto] })
  identities: IdentityResponseDto[];

  static ofDossier(dossier: UserDossier, now: number): AdminUserDetailsDto {
    return {
      ...AdminUserDto.of(dossier, now),
      sessions: dossier.sessions.map((session) => SessionDto.of(session)),
      mfa: MfaStatusDto.from(dossier.mfa),
      passkeys: dossier.passkeys,
      identities: dossier.identities.map((identity) => IdentityResponseDto.from(identity)),
    };
  }
}
