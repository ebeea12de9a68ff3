import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { REFRESH_COOKIE_PATH } from './tokens/token-cookies';
import { PUBLIC_OPERATION } from './common/decorators/public.decorator';
import { ConfigError } from './config/environment';

export const DOCS_PATH = 'docs';

export function buildOpenApiDocument(app: INestApplication, cookieNames: { access: string; refresh: string }): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Authentication service')
    .setDescription(
      'Short-lived access JWTs, rotating refresh JWTs and a server-side KeyStore: any session can be ended at once. ' +
        'Browsers use cookie transport (with X-CSRF-Token on unsafe requests); apps and services send ' +
        '`X-Token-Transport: body` at login and `Authorization: Bearer` afterwards.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
    .addCookieAuth(cookieNames.access, { type: 'apiKey', in: 'cookie', description: 'Cookie transport' }, 'access-cookie')
    .addCookieAuth(cookieNames.refresh, { type: 'apiKey', in: 'cookie', description: `Sent only to ${REFRESH_COOKIE_PATH}` }, 'refresh-cookie')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-CSRF-Token', description: 'Cookie transport, unsafe methods' }, 'csrf')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN, when one is set' }, 'metrics-token')
    .addSecurityRequirements('bearer')
    .addSecurityRequirements('access-cookie')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  for (const path of Object.values(document.paths)) {
    for (const operation of Object.values(path) as Array<Record<string, unknown>>) {
      if (operation?.[PUBLIC_OPERATION]) {
        delete operation[PUBLIC_OPERATION];
        if (!Array.isArray(operation.security) || operation.security.length === 0) operation.security = [];
      }
    }
  }
  return document;
}

export function setupSwagger(app: INestApplication, cookieNames: { access: string; refresh: string; csrf: string }): void {
  assertSwaggerUiInstalled();
  const document = buildOpenApiDocument(app, cookieNames);
  SwaggerModule.setup(DOCS_PATH, app, document, {
    jsonDocumentUrl: `${DOCS_PATH}/openapi.json`,
    yamlDocumentUrl: `${DOCS_PATH}/openapi.yaml`,
    swaggerOptions: {
      persistAuthorization: true,
      withCredentials: true,
      requestInterceptor: csrfRequestInterceptor(cookieNames.csrf),
    },
  });
}

/** The methods that need `X-CSRF-Token` in cookie transport (API.md). */
const UNSAFE_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * Swagger UI's `requestInterceptor`: on unsafe methods it copies the readable
 * CSRF cookie into `X-CSRF-Token`, so "Try it out" works in cookie transport
 * without pasting the token. Swagger UI runs it in the page, not here:
 * @nestjs/swagger writes `fn.toString()` into the served swagger-ui-init.js
 * (a file, so the CSP's `script-src 'self'` allows it). A function's source
 * cannot close over the cookie name, so the function is built from its source
 * text with the name embedded as a JSON string literal; building it from text
 * also keeps the shipped code free of anything a test runner's coverage
 * instrumentation would add to a compiled function.
 */
export function csrfRequestInterceptor(csrfCookieName: string): (request: SwaggerUiRequest) => SwaggerUiRequest {
  const source = `
    var cookieName = ${JSON.stringify(csrfCookieName)};
    var unsafeMethods = ${JSON.stringify(UNSAFE_METHODS)};
    var method = String(request.method || 'GET').toUpperCase();
    if (unsafeMethods.indexOf(method) === -1 || typeof document === 'undefined') return request;
    var prefix = cookieName + '=';
    var cookies = document.cookie ? document.cookie.split('; ') : [];
    for (var i = 0; i < cookies.length; i++) {
      if (cookies[i].indexOf(prefix) === 0) {
        var token = decodeURIComponent(cookies[i].slice(prefix.length));
        request.headers = request.headers || {};
        var hasHeader = Object.keys(request.headers).some(function (name) { return name.toLowerCase() === 'x-csrf-token' && request.headers[name]; });
        if (token && !hasHeader) request.headers['X-CSRF-Token'] = token;
        break;
      }
    }
    return request;
  `;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- constant source; its only variable part is the JSON-encoded cookie name from configuration.
  return new Function('request', source) as (request: SwaggerUiRequest) => SwaggerUiRequest;
}

/** The request object Swagger UI hands to `requestInterceptor`. */
export interface SwaggerUiRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  credentials?: string;
  [key: string]: unknown;
}

/** The production image leaves out Swagger UI's assets (off in production by default); asking for them there gets a clear line. */
function assertSwaggerUiInstalled(): void {
  try {
    require.resolve('swagger-ui-dist');
  } catch {
    throw new ConfigError(
      'SWAGGER_ENABLED=true needs the swagger-ui-dist package, which this installation leaves out (the production image does); the API is described in docs/API.md',
    );
  }
}
