import { createHash, timingSafeEqual } from 'node:crypto';
import { AppError } from '../common/error-code';

/** Who may scrape: anyone without METRICS_TOKEN, otherwise `Authorization: Bearer <METRICS_TOKEN>` only. */
export class MetricsAccess {
  private readonly tokenDigest?: Buffer;

  constructor(token: string | undefined) {
    if (token) this.tokenDigest = digest(token);
  }

  assertAllowed(authorization: string | undefined): void {
    if (!this.tokenDigest) return;
    if (!authorization) throw new AppError('TOKEN_MISSING', 'Send the metrics token: Authorization: Bearer <METRICS_TOKEN>');
    const presented = /^Bearer +(\S+) *$/i.exec(authorization)?.[1];
    if (!presented || !timingSafeEqual(digest(presented), this.tokenDigest)) {
      throw new AppError('TOKEN_INVALID', 'The metrics token is not valid');
    }
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
