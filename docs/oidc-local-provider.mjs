/**
 * A throwaway OpenID Connect provider on http://localhost:4000, to try the
 * service's provider sign-in without an account anywhere (see the README,
 * "Try it locally"). It is oidc-provider, a development dependency of this
 * project (`npm install` puts it in node_modules), with its development login
 * pages: any login and any password are accepted, and the login you type is
 * the user's `sub`. A login that looks like an address is the user's email
 * (verified); any other gets `<login>@example.com`.
 *
 *   node docs/oidc-local-provider.mjs
 *
 * and start the service with:
 *
 *   OIDC_PROVIDERS=local OIDC_LOCAL_ISSUER=http://localhost:4000 \
 *   OIDC_LOCAL_CLIENT_ID=auth-service OIDC_LOCAL_CLIENT_SECRET=local-secret npm start
 *
 * Settings, all optional: PROVIDER_PORT (4000), SERVICE_URL (the service's
 * PUBLIC_URL, http://localhost:3000), PROVIDER_NAME (its name in
 * OIDC_PROVIDERS, local). Never use it for anything but local development:
 * it signs in whoever types anything.
 */
import Provider from 'oidc-provider';

const port = Number(process.env.PROVIDER_PORT ?? 4000);
const serviceUrl = (process.env.SERVICE_URL ?? 'http://localhost:3000').replace(/\/+$/, '');
const name = process.env.PROVIDER_NAME ?? 'local';
const issuer = `http://localhost:${port}`;
const redirectUri = `${serviceUrl}/api/v1/auth/oidc/${name}/callback`;
const variable = (suffix) => `OIDC_${name.toUpperCase().replace(/-/g, '_')}_${suffix}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'auth-service',
      client_secret: 'local-secret',
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    },
  ],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  // The development login and consent pages: no accounts to set up.
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['local development only'] },
  async findAccount(_ctx, sub) {
    const email = sub.includes('@') ? sub.toLowerCase() : `${sub}@example.com`;
    return {
      accountId: sub,
      async claims() {
        return { sub, email, email_verified: true, name: email.split('@')[0] };
      },
    };
  },
});

// oidc-provider warns at every start about its development defaults (and about Node 20): this script is nothing else.
provider.on('server_error', (_ctx, error) => console.error(error));

provider.listen(port, () => {
  console.log(`OpenID Connect provider at ${issuer} (any login, any password)`);
  console.log(`client auth-service / local-secret, redirect URI ${redirectUri}`);
  console.log(
    `start the service with: OIDC_PROVIDERS=${name} ${variable('ISSUER')}=${issuer} ${variable('CLIENT_ID')}=auth-service ${variable('CLIENT_SECRET')}=local-secret npm start`,
  );
});
