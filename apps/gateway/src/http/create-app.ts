import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { IncomingMessage, RequestListener, createServer } from 'node:http';
import type { Logger as Pino } from 'pino';
import { GatewayModule } from '../app.module';
import { GatewayConfig } from '../config';
import { OPENAPI_DOCUMENT } from '../docs/docs.controller';
import { buildOpenApiDocument } from '../docs/openapi-document';
import { envelopeClientError, envelopeFrameworkErrors } from './framework-errors';
import { installFastifyHooks, logAccess } from './http-hooks';
import { STREAM_CONTENT_TYPE, createValidationPipe, requestIdOf } from '@alien/nest-http';
import { DataPlanePassthrough } from '@alien/proxy/http';

/** Builds the gateway on Fastify (it won every run of bench P1 against Express, which is gone). */
export async function createGatewayApp(config: GatewayConfig, logger: Pino): Promise<INestApplication> {
  const module = GatewayModule.register(config, logger);
  // The proxy app's streaming routes go to it byte for byte, before Fastify (no parsing, no buffering);
  // the proxy app authenticates and authorises them itself.
  const passthrough = new DataPlanePassthrough({
    proxyUrl: config.PROXY_URL,
    budgetMs: config.PROXY_TIMEOUT_MS,
    onDone: (req, status, ms) => logAccess(logger, req, status, ms),
  });
  const adapter = new FastifyAdapter({
    serverFactory: (handler: RequestListener) =>
      createServer((req, res) => {
        if (passthrough.matches(req.url)) void passthrough.handle(req, res);
        else handler(req, res);
      }),
    bodyLimit: config.BODY_LIMIT_BYTES,
    genReqId: (req: IncomingMessage) => requestIdOf(req),
    // Route matching: `/tags/` and `/tags` are the same resource.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
    // Errors Fastify answers itself (bad URL encoding, unparsable requests) get the envelope too.
    frameworkErrors: envelopeFrameworkErrors,
    clientErrorHandler: envelopeClientError,
  });
  // Only JSON bodies are accepted; without a parser for text/plain Fastify answers 415 for it.
  adapter.getInstance().removeContentTypeParser(['text/plain']);
  // Streamed bodies (@StreamedBody routes) are left unread for their handler.
  adapter.getInstance().addContentTypeParser(STREAM_CONTENT_TYPE, (_req, _payload, done) => done(null));
  installFastifyHooks(adapter.getInstance() as never, logger);
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, { bufferLogs: true, abortOnError: false });
  app.useLogger(app.get(Logger));
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();
  app.getHttpServer().once('close', () => void passthrough.close());
  await app.init();
  // The OpenAPI document is built once, after every controller is registered.
  app.get<{ json: string }>(OPENAPI_DOCUMENT).json = JSON.stringify(buildOpenApiDocument(app, config.PUBLIC_URL));
  return app;
}
