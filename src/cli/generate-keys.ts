import { config as loadDotEnv } from 'dotenv';
import { existsSync } from 'node:fs';
import { keyFilePath, generateKeyFile } from '../auth/keys/key-files';
import { TokenKind } from '../auth/keys/signing-key';
import { ConfigError, loadConfig } from '../config/app-config';

/** `npm run keys:generate`: creates the access and refresh signing keys in JWT_KEYS_DIR (for production, where the service never generates them). */
function main(): void {
  loadDotEnv({ quiet: true });
  // Key generation needs only the JWT settings; the database is not touched.
  const config = loadConfig({ ...process.env, NODE_ENV: 'development' });
  const { algorithm, keysDir } = config.jwt;
  if (algorithm === 'HS256') throw new ConfigError('JWT_ALGORITHM=HS256 uses JWT_ACCESS_SECRET and JWT_REFRESH_SECRET: there are no key files to generate');
  for (const kind of ['access', 'refresh'] as TokenKind[]) {
    const file = keyFilePath(keysDir, kind);
    if (existsSync(file)) {
      console.log(`${file} exists; kept`);
      continue;
    }
    generateKeyFile(file, algorithm);
    console.log(`${file}: new ${algorithm} key for ${kind} tokens`);
  }
}

try {
  main();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
