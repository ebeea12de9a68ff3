/**
 * A real OpenID Provider for the tests (oidc-provider), run as a child process
 * by test/support/oidc-idp.ts: oidc-provider is ESM-only, which jest cannot load.
 *
 * Configuration comes from the environment: IDP_PORT (it listens on 127.0.0.1),
 * IDP_CLIENTS (JSON: [{ clientId, clientSecret, redirectUris }]), DEBUG_IDP=1 for
 * its logs on stderr (quiet otherwise).
 *
 * The issuer is `http://127.0.0.1:<port>`. Authorization code flow only, PKCE
 * (S256) required, the claims of the scopes `email` and `profile` in the ID
 * token as well as at userinfo. There are no forms: the interaction logs in the
 * account given by the last POST /__test/next-login (once) and grants every
 * scope the client asked for.
 *
 * Test-only control endpoints (JSON bodies):
 * - POST /__test/next-login { sub, email?, email_verified?, name? }
 * - POST /__test/tamper-next-id-token { nonce?, aud?, iss?, badSignature?, omitEmail? }:
 *   the ID token of the next successful token response is re-signed with these changes
 *   (badSignature: by another key carrying the same `kid`).
 * - GET /__test/state: { pendingLogin, pendingTamper, tokenResponses, tamperedResponses }
 */
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, SignJWT } from 'jose';
import Provider, { errors } from 'oidc-provider';

const debug = process.env.DEBUG_IDP === '1';
const log = (...args) => {
  if (debug) console.error('[test-idp]', ...args);
};

const port = Number(process.env.IDP_PORT);
if (!Number.isInteger(port) || port <= 0) throw new Error('IDP_PORT must be a port number');
const clients = JSON.parse(process.env.IDP_CLIENTS ?? '[]');
const issuer = `http://127.0.0.1:${port}`;

// The provider's signing key, and another with the same kid for forged signatures.
const KID = `test-idp-${randomBytes(4).toString('hex')}`;
const signing = await generateKeyPair('RS256', { extractable: true });
const forger = await generateKeyPair('RS256', { extractable: true });
const signingJwk = { ...(await exportJWK(signing.privateKey)), kid: KID, alg: 'RS256', use: 'sig' };

/** Accounts by sub, as last logged in. */
const accounts = new Map();
/** The account the next interaction logs in. */
let pendingLogin;
/** The change to the next token response's ID token. */
let pendingTamper;
let tokenResponses = 0;
let tamperedResponses = 0;

const configuration = {
  clients: clients.map((client) => ({
    client_id: client.clientId,
    client_secret: client.clientSecret,
    redirect_uris: client.redirectUris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    // Whatever the relying party registers as, oidc-provider takes client_secret_basic and client_secret_post alike.
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
  })),
  jwks: { keys: [signingJwk] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    userinfo: { enabled: true },
  },
  // Long enough that the service's test clock, moved on by the tests, never sees an ID token expire.
  ttl: { IdToken: 24 * 3600, AccessToken: 3600, AuthorizationCode: 600, Interaction: 3600, Session: 3600, Grant: 3600 },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(_ctx, sub) {
    const account = accounts.get(sub);
    if (!account) return undefined;
    return {
      accountId: sub,
      async claims() {
        return Object.fromEntries(Object.entries(account).filter(([, value]) => value !== undefined));
      },
    };
  },
  async renderError(ctx, out, error) {
    log('error page', out, error);
    ctx.type = 'json';
    ctx.body = out;
  },
};

const provider = new Provider(issuer, configuration);

if (debug) {
  for (const event of ['server_error', 'authorization.error', 'grant.error', 'userinfo.error', 'interaction.ended', 'grant.success']) {
    provider.on(event, (...args) =>
      log(event, ...args.slice(1).map((arg) => (arg instanceof Error ? `${arg.name}: ${arg.message} ${arg.error_description ?? ''}` : arg))),
    );
  }
}

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : {};
}

/** The ID token with `change` applied, signed again by the provider's key (or by the forger's, same kid). */
async function tamper(idToken, change) {
  const header = decodeProtectedHeader(idToken);
  const claims = decodeJwt(idToken);
  if (change.nonce !== undefined) claims.nonce = change.nonce;
  if (change.aud !== undefined) claims.aud = change.aud;
  if (change.iss !== undefined) claims.iss = change.iss;
  if (change.omitEmail) {
    delete claims.email;
    delete claims.email_verified;
  }
  const key = change.badSignature ? forger.privateKey : await importJWK(signingJwk, 'RS256');
  return new SignJWT(claims).setProtectedHeader({ ...header, kid: KID }).sign(key);
}

provider.use(async (ctx, next) => {
  log(ctx.method, ctx.url);

  if (ctx.path.startsWith('/__test/')) {
    if (ctx.method === 'POST' && ctx.path === '/__test/next-login') {
      const account = await readJson(ctx.req);
      if (typeof account.sub !== 'string' || !account.sub) {
        ctx.status = 400;
        ctx.body = { error: 'sub is required' };
        return;
      }
      pendingLogin = account;
      ctx.status = 204;
      return;
    }
    if (ctx.method === 'POST' && ctx.path === '/__test/tamper-next-id-token') {
      pendingTamper = await readJson(ctx.req);
      ctx.status = 204;
      return;
    }
    if (ctx.method === 'GET' && ctx.path === '/__test/state') {
      ctx.body = { pendingLogin: pendingLogin ?? null, pendingTamper: pendingTamper ?? null, tokenResponses, tamperedResponses };
      return;
    }
    ctx.status = 404;
    ctx.body = { error: 'unknown control route' };
    return;
  }

  // The interaction: no forms, the queued account logs in and every requested scope is granted.
  if (ctx.method === 'GET' && /^\/interaction\/[^/]+$/.test(ctx.path)) {
    let details;
    try {
      details = await provider.interactionDetails(ctx.req, ctx.res);
    } catch (error) {
      if (!(error instanceof errors.SessionNotFound)) throw error;
      ctx.status = 400;
      ctx.body = { error: 'interaction not found' };
      return;
    }
    let accountId = details.session?.accountId;
    const result = {};
    if (details.prompt.name === 'login' || !accountId) {
      if (!pendingLogin) {
        ctx.status = 409;
        ctx.body = { error: 'no login queued: call nextLogin() before the flow' };
        return;
      }
      accounts.set(pendingLogin.sub, pendingLogin);
      accountId = pendingLogin.sub;
      pendingLogin = undefined;
      result.login = { accountId };
    }
    const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
    grant.addOIDCScope(String(details.params.scope ?? 'openid'));
    result.consent = { grantId: await grant.save() };
    const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
    log('interaction done for', accountId);
    ctx.status = 303;
    ctx.redirect(returnTo);
    return;
  }

  await next();

  if (ctx.method === 'POST' && ctx.path === '/token' && ctx.status === 200 && ctx.body && typeof ctx.body === 'object' && ctx.body.id_token) {
    tokenResponses += 1;
    if (pendingTamper) {
      const change = pendingTamper;
      pendingTamper = undefined;
      ctx.body = { ...ctx.body, id_token: await tamper(ctx.body.id_token, change) };
      tamperedResponses += 1;
      log('tampered id_token', change);
    }
  }
});

const server = createServer(provider.callback());
server.listen(port, '127.0.0.1', () => log(`listening on ${issuer}`));
server.on('error', (error) => {
  console.error(`[test-idp] ${error.message}`);
  process.exit(1);
});

function shutdown() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
