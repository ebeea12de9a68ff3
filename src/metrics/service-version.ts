import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The version in package.json, beside both src/ and dist/ (and in the image). */
export const SERVICE_VERSION: string = (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
