import { ApiProperty } from '@nestjs/swagger';
import { User } from '../user.entity';

export class UserResponseDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'ann@example.com' })
  email: string;

  @ApiProperty({ description: 'Whether a mailed link to this address has been followed' })
  emailVerified: boolean;

  @ApiProperty({ type: String, nullable: true, example: 'Ann' })
  name: string | null;

  @ApiProperty({ type: [String], example: ['user'] })
  roles: string[];

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  static from(user: User): UserResponseDto {
    return {
      id: user.id,
      email: user.email,
      emailVerified: user.emailVerified,
      name: user.name,
      roles: user.roles,
      createdAt: user.createdAt.toISOString(),
    };
  }
}
