import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthenticatedUser } from '../common/authenticated-user';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { ACCESS_TOKEN_ERRORS, ApiErrors } from '../common/api-errors.decorator';
import { Clock } from '../common/clock';
import { UpdateProfileDto } from './dto/update-profile.dto';
import { UserResponseDto } from './dto/user-response.dto';
import { UsersService } from './users.service';

@ApiTags('users')
@Controller('users')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly clock: Clock,
  ) {}

  @Get('me')
  @ApiOperation({ summary: 'The profile of the signed-in user' })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiErrors(...ACCESS_TOKEN_ERRORS)
  async me(@CurrentUser() user: AuthenticatedUser): Promise<UserResponseDto> {
    return UserResponseDto.from(await this.users.getById(user.id), this.clock.now());
  }

  @Patch('me')
  @ApiOperation({ summary: 'Change the display name' })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiErrors('VALIDATION_FAILED', ...ACCESS_TOKEN_ERRORS, 'CSRF_TOKEN_INVALID')
  async rename(@CurrentUser() user: AuthenticatedUser, @Body() body: UpdateProfileDto): Promise<UserResponseDto> {
    return UserResponseDto.from(await this.users.rename(user.id, body.name), this.clock.now());
  }
}
