import { randomBytes } from 'node:crypto';

/**
 * What NODE_ENV=production needs beyond the database and the signing keys: a
 * mail server (a closed port: nothing is sent), the base of mailed links and
 * a metrics token, and the key that encrypts TOTP secrets.
 */
export function productionEnv(): Record<string, string> {
  return {
    NODE_ENV: 'production',
    SMTP_URL: 'smtp://127.0.0.1:1',
    APP_URL: 'https://app.example.test',
    METRICS_TOKEN: randomBytes(24).toString('base64url'),
    MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  };
}
