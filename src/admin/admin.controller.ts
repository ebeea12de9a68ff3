import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Query, UseGuards } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ACCESS_TOKEN_ERRORS, ApiErrors } from '../common/api-errors.decorator';
import { CanonicalUuidPipe } from '../common/canonical-uuid.pipe';
import { Clock } from '../common/clock';
import { Roles } from '../common/decorators/roles.decorator';
import { ErrorCode } from '../common/error-code';
import { ADMIN_ROLE } from '../users';
import { Actor } from './admin-actor.decorator';
import { AdminActions } from './admin-actions.service';
import { AdminAssuranceGuard } from './admin-assurance.guard';
import { AuditActor, AuditLog } from './audit-log.service';
import { ADMIN_PAGE_DEFAULT, AuditQueryDto, SearchUsersQueryDto } from './dto/admin-queries.dto';
import { AdminUserDetailsDto, AdminUserPageDto } from './dto/admin-user.dto';
import { AuditPageDto } from './dto/audit-entry.dto';
import { UpdateUserDto } from './dto/update-user.dto';
import { UserDirectory } from './user-directory.service';

/** What every admin route may answer besides its own errors. */
const ADMIN_ERRORS: ErrorCode[] = [...ACCESS_TOKEN_ERRORS, 'FORBIDDEN', 'MFA_REQUIRED'];

/**
 * The admin API: the user directory, what an admin does to an account, and
 * the audit log. Role `admin`, and with ADMIN_REQUIRE_MFA an `aal2` session.
 */
@ApiTags('admin')
@Roles(ADMIN_ROLE)
@UseGuards(AdminAssuranceGuard)
@Controller()
export class AdminController {
  constructor(
    private readonly directory: UserDirectory,
    private readonly actions: AdminActions,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
  ) {}

  @Get('admin/users')
  @ApiOperation({ summary: 'Find users by the start of their email or a part of their name, newest account first, in pages' })
  @ApiOkResponse({ type: AdminUserPageDto })
  @ApiErrors('VALIDATION_FAILED', ...ADMIN_ERRORS)
  async search(@Query() query: SearchUsersQueryDto): Promise<AdminUserPageDto> {
    return AdminUserPageDto.of(await this.directory.search(query.q, query.limit ?? ADMIN_PAGE_DEFAULT, query.cursor), this.clock.now());
  }

  @Get('admin/users/:id')
  @ApiOperation({ summary: 'One user with their sessions, second factor, passkeys (how many) and linked identities' })
  @ApiOkResponse({ type: AdminUserDetailsDto })
  @ApiErrors('VALIDATION_FAILED', ...ADMIN_ERRORS, 'NOT_FOUND')
  async details(@Param('id', CanonicalUuidPipe) id: string): Promise<AdminUserDetailsDto> {
    return AdminUserDetailsDto.ofDossier(await this.directory.dossier(id), this.clock.now());
  }

  @Patch('admin/users/:id')
  @ApiOperation({ summary: "Change a user's roles or disable them; either change ends every session of the user" })
  @ApiOkResponse({ type: AdminUserDetailsDto })
  @ApiErrors('VALIDATION_FAILED', ...ADMIN_ERRORS, 'CSRF_TOKEN_INVALID', 'NOT_FOUND', 'LAST_ADMIN')
  async update(@Actor() actor: AuditActor, @Param('id', CanonicalUuidPipe) id: string, @Body() body: UpdateUserDto): Promise<AdminUserDetailsDto> {
    return AdminUserDetailsDto.ofDossier(await this.actions.changeAccess(actor, id, body), this.clock.now());
  }

  @Delete('admin/users/:id/mfa')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove the second factor and recovery codes of a user who lost both; ends every session' })
  @ApiNoContentResponse()
  @ApiErrors('VALIDATION_FAILED', ...ADMIN_ERRORS, 'CSRF_TOKEN_INVALID', 'NOT_FOUND')
  async resetMfa(@Actor() actor: AuditActor, @Param('id', CanonicalUuidPipe) id: string): Promise<void> {
    await this.actions.resetMfa(actor, id);
  }

  @Delete(['admin/users/:id/sessions', 'users/:id/sessions'])
  @HttpCode(204)
  @ApiOperation({ summary: 'Incident response: end every session of a user (DELETE /users/:id/sessions is the older name)' })
  @ApiNoContentResponse()
  @ApiErrors('VALIDATION_FAILED', ...ADMIN_ERRORS, 'CSRF_TOKEN_INVALID', 'NOT_FOUND')
  async endSessions(@Actor() actor: AuditActor, @Param('id', CanonicalUuidPipe) id: string): Promise<void> {
    await this.actions.endSessions(actor, id);
  }

  @Delete('admin/users/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a user; the audit log keeps the entries about them' })
  @ApiNoContentResponse()
  @ApiErrors('VALIDATION_FAILED', ...ADMIN_ERRORS, 'CSRF_TOKEN_INVALID', 'NOT_FOUND', 'LAST_ADMIN')
  async deleteUser(@Actor() actor: AuditActor, @Param('id', CanonicalUuidPipe) id: string): Promise<void> {
    await this.actions.deleteUser(actor, id);
  }

  @Get('admin/audit')
  @ApiOperation({ summary: 'Every admin action, newest first, in pages; by actor or target' })
  @ApiOkResponse({ type: AuditPageDto })
  @ApiErrors('VALIDATION_FAILED', ...ADMIN_ERRORS)
  async auditLog(@Query() query: AuditQueryDto): Promise<AuditPageDto> {
    return AuditPageDto.from(await this.audit.list({ actorId: query.actor, targetId: query.target }, query.limit ?? ADMIN_PAGE_DEFAULT, query.cursor));
  }
}
