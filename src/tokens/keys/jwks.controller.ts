import { Controller, Get, Header, VERSION_NEUTRAL } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../../common/decorators/public.decorator';
import { PublicJwk } from './signing-key';
import { SigningKeysService } from './signing-keys.service';

/** Verifiers may cache the JWKS this long; a rotated key is published at least this long before it signs. */
export const JWKS_MAX_AGE_SECONDS = 300;

@ApiTags('keys')
@Controller({ path: '.well-known', version: VERSION_NEUTRAL })
export class JwksController {
  constructor(private readonly keys: SigningKeysService) {}

  @Public()
  @Get('jwks.json')
  @Header('Cache-Control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`)
  @ApiOperation({ summary: 'Public keys that verify access tokens (empty under HS256)' })
  @ApiOkResponse({ schema: { type: 'object', properties: { keys: { type: 'array', items: { type: 'object' } } } } })
  jwks(): { keys: PublicJwk[] } {
    return this.keys.jwks();
  }
}
