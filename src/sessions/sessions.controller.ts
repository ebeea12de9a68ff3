import { Controller, Delete, Get, HttpCode, Param } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ACCESS_TOKEN_ERRORS, ApiErrors } from '../common/api-errors.decorator';
import { AuthenticatedUser, ClientInfo } from '../common/authenticated-user';
import { CanonicalUuidPipe } from '../common/canonical-uuid.pipe';
import { Client } from '../common/decorators/client-info.decorator';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { SessionListItemDto } from './dto/session-list.dto';
import { SessionsService } from './sessions.service';

@Controller()
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Get('auth/sessions')
  @ApiTags('auth')
  @ApiOperation({ summary: "The user's live sessions" })
  @ApiOkResponse({ type: [SessionListItemDto] })
  @ApiErrors(...ACCESS_TOKEN_ERRORS)
  async list(@CurrentUser() user: AuthenticatedUser): Promise<SessionListItemDto[]> {
    const sessions = await this.sessions.listActive(user.id);
    return sessions.map((session) => SessionListItemDto.from(session, user.sessionId));
  }

  @Delete('auth/sessions/:id')
  @ApiTags('auth')
  @HttpCode(204)
  @ApiOperation({ summary: "End one of the user's own sessions" })
  @ApiNoContentResponse()
  @ApiErrors('VALIDATION_FAILED', ...ACCESS_TOKEN_ERRORS, 'CSRF_TOKEN_INVALID', 'NOT_FOUND')
  async endOwn(@CurrentUser() user: AuthenticatedUser, @Param('id', CanonicalUuidPipe) id: string, @Client() client: ClientInfo): Promise<void> {
    await this.sessions.endOwn(user.id, id, client);
  }
}
