import { ErrorEnvelopeDto } from '@alien/nest-http';
import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule, getSchemaPath } from '@nestjs/swagger';

/**
 * The OpenAPI document of every route the gateway serves. `publicUrl` names the server when
 * configured; otherwise the server is `/`, the host that served the document (right locally and behind
 * any ingress alike).
 */
export function buildOpenApiDocument(app: INestApplication, publicUrl: string | undefined): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Alien Platform API')
    .setDescription(
      [
        'Every response is an envelope: `{"success":true,"data":…}`, paginated lists add `meta`, errors are',
        '`{"success":false,"message":…,"error":{"status":…}}` and validation failures list',
        '`error.messages[{field, rule, message}]` with status 422.',
        '',
        'Authenticate with `Authorization: Bearer oat_…` (API token) or an OIDC JWT',
        '(`Authorization: Bearer <jwt>` or `x-oauth-access-token`). `x-organization-id` selects the organization.',
        'Public routes work without credentials; invalid credentials are always 401.',
      ].join('\n'),
    )
    .setVersion('1')
    .setLicense('Proprietary (UNLICENSED)', '/docs/license')
    .addServer(publicUrl ?? '/')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: '`oat_…` API token or OIDC JWT' }, 'bearer')
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controller, method) => `${controller}_${method}`,
    extraModels: [ErrorEnvelopeDto],
  });
  // Any route can also answer what is not listed (500, 503 when a service or NATS is down, 504 when a
  // service is too slow, 413/415 on bodies): say that it is the same error envelope.
  for (const item of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const) {
      const operation = item[method];
      if (operation && !operation.responses['default']) {
        operation.responses['default'] = {
          description: 'Any other error (e.g. 503 service unavailable, 504 service timeout): error envelope',
          content: { 'application/json': { schema: { $ref: getSchemaPath(ErrorEnvelopeDto) } } },
        };
      }
    }
  }
  return document;
}
