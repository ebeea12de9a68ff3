import { createHmac, KeyObject, sign } from 'node:crypto';

/** A JWT segment: JSON, base64url. */
export const encodeSegment = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The header and claims of a compact JWT, unverified. */
export function decodeToken(token: string): { header: Record<string, any>; claims: Record<string, any> } {
  const [header, claims] = token
    .split('.')
    .slice(0, 2)
    .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')));
  return { header, claims };
}

/**
 * Signs a compact JWS exactly as told, whatever `header.alg` says and
 * whichever key is given: how the tests forge tokens a well-behaved library
 * would refuse to make (alg confusion, foreign keys, odd headers).
 */
export function signJws(header: Record<string, unknown>, claims: Record<string, unknown>, key?: KeyObject): string {
  const input = `${encodeSegment(header)}.${encodeSegment(claims)}`;
  const alg = header.alg;
  let signature: Buffer;
  if (alg === 'none' || key === undefined) signature = Buffer.alloc(0);
  else if (alg === 'HS256') signature = createHmac('sha256', key.export()).update(input).digest();
  else if (alg === 'ES256' || alg === 'ES384') signature = sign(alg === 'ES256' ? 'sha256' : 'sha384', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  else if (alg === 'RS256') signature = sign('sha256', Buffer.from(input), key);
  else throw new Error(`signJws cannot sign ${String(alg)}`);
  return `${input}.${signature.toString('base64url')}`;
}
