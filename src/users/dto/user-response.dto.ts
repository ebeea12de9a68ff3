import { ApiProperty } from '@nestjs/swagger';
import { User } from '../user.entity';

export class UserResponseDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'ann@example.com' })
  email: string;

  @ApiProperty({ description: 'Whether a mailed link to this address has been followed' })
  emailVerified: boolean;

  @ApiProperty({
    type: String,
    nullable: true,
    example: null,
    description: 'A new address awaiting confirmation from the link mailed to it (DELETE /users/me/email cancels it), or null',
  })
  pendingEmail: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'Ann' })
  name: string | null;

  @ApiProperty({ type: [String], example: ['user'] })
  roles: string[];

  @ApiProperty({ description: 'Whether sign-ins need a second factor (TOTP or a recovery code)' })
  mfaEnabled: boolean;

  @ApiProperty({ description: 'Whether the account has a password (an account made by a sign-in provider may not)' })
  hasPassword: boolean;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  /** `now`: the service's clock, which decides whether a pending change of address has expired. */
  static from(user: User, now: number): UserResponseDto {
    return {
      id: user.id,
      email: user.email,
      emailVerified: user.emailVerified,
      pendingEmail: user.pendingEmail !== null && (user.pendingEmailExpiresAt?.getTime() ?? 0) > now ? user.pendingEmail : null,
      name: user.name,
      roles: user.roles,
      mfaEnabled: user.mfaEnabled,
      hasPassword: user.hasPassword,
      createdAt: user.createdAt.toISOString(),
    };
  }
}
