import { Controller, Get, Res, VERSION_NEUTRAL } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { Public } from '../common/decorators/public.decorator';
import { CacheInvalidation } from '../cache/cache-invalidation.service';
import { errorBody } from '../common/error-body';
import { RedisConnection } from '../redis/redis-connection.service';
import { Readiness } from './readiness';

const DATABASE_PING_TIMEOUT_MS = 2000;

type ComponentStatus = 'up' | 'down' | 'not configured';
type Components = Record<'database' | 'redis' | 'invalidation', { status: ComponentStatus }>;

@ApiTags('health')
@Public()
@Controller({ path: 'health', version: VERSION_NEUTRAL })
export class HealthController {
  constructor(
    private readonly database: TypeOrmHealthIndicator,
    private readonly redis: RedisConnection,
    private readonly invalidation: CacheInvalidation,
    private readonly readiness: Readiness,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'The process answers' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * 503 when the database is unreachable or the instance is shutting down:
   * without Redis, rate limits are counted in process, and without the
   * invalidation listener the caches are bypassed; both keep the service
   * correct, so they are reported, not failed.
   */
  @Get('ready')
  @ApiOperation({ summary: 'Ready when the database answers; details also report Redis and the invalidation listener' })
  @ApiOkResponse({ description: '`details.database`, `details.redis` and `details.invalidation` say `up`, `down` or `not configured`' })
  @ApiServiceUnavailableResponse({ description: 'The database is unreachable, or the instance is shutting down (SHUTDOWN_DELAY)' })
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    if (this.readiness.shuttingDown) {
      reply.status(503);
      return { ...errorBody('SERVICE_UNAVAILABLE', 'The instance is shutting down'), status: 'error' };
    }
    const [database, redis] = await Promise.all([this.databaseStatus(), this.redis.status()]);
    const details: Components = {
      database: { status: database },
      redis: { status: redis },
      invalidation: { status: this.invalidation.listening ? 'up' : 'down' },
    };
    if (database === 'up') return { status: 'ok', details };
    reply.status(503);
    return { ...errorBody('SERVICE_UNAVAILABLE', 'The database is unreachable'), status: 'error', details };
  }

  private async databaseStatus(): Promise<ComponentStatus> {
    const result = await this.database.pingCheck('database', { timeout: DATABASE_PING_TIMEOUT_MS });
    return result.database?.status === 'up' ? 'up' : 'down';
  }
}
