import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { REFRESH_COOKIE_PATH } from './auth/token-cookies';
import { PUBLIC_OPERATION } from './auth/decorators/public.decorator';

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
  const document = buildOpenApiDocument(app, cookieNames);
  SwaggerModule.setup(DOCS_PATH, app, document, {
    jsonDocumentUrl: `${DOCS_PATH}/openapi.json`,
    yamlDocumentUrl: `${DOCS_PATH}/openapi.yaml`,
    swaggerOptions: { persistAuthorization: true, withCredentials: true },
  });
}
