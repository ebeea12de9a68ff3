import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ACCESS_TOKEN_ERRORS, ApiErrors } from '../common/api-errors.decorator';
import { AuthenticatedUser } from '../common/authenticated-user';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { AuthEventsService } from './auth-events.service';
import { AuthEventListDto, ListAuthEventsQueryDto } from './dto/auth-events.dto';

const DEFAULT_EVENTS_PAGE = 20;

@ApiTags('users')
@Controller('users')
export class SecurityEventsController {
  constructor(private readonly events: AuthEventsService) {}

  @Get('me/events')
  @ApiOperation({ summary: "The user's own security activity, newest first" })
  @ApiOkResponse({ type: AuthEventListDto })
  @ApiErrors('VALIDATION_FAILED', ...ACCESS_TOKEN_ERRORS)
  async list(@CurrentUser() user: AuthenticatedUser, @Query() query: ListAuthEventsQueryDto): Promise<AuthEventListDto> {
    return AuthEventListDto.from(await this.events.list(user.id, query.limit ?? DEFAULT_EVENTS_PAGE, query.before));
  }
}
