import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import type { IncomingMessage } from 'node:http';
import type { Logger as Pino } from 'pino';
import { GatewayModule } from '../app.module';
import { GatewayConfig } from '../config';
import { OPENAPI_DOCUMENT } from '../docs/docs.controller';
import { buildOpenApiDocument } from '../docs/openapi-document';
import { envelopeClientError, envelopeFrameworkErrors, refuseConnect } from './framework-errors';
import { GatewayLifecycle, installFastifyHooks } from './http-hooks';
import { installJsonParser } from './json-parser';
import { STREAM_CONTENT_TYPE, createValidationPipe, requestIdOf } from '@alien/nest-http';

/** Builds the gateway on Fastify (it won every run of bench P1 against Express, which is gone). */
export async function createGatewayApp(config: GatewayConfig, logger: Pino): Promise<INestApplication> {
  const lifecycle: GatewayLifecycle = { stopping: false };
  const module = GatewayModule.register(config, logger, lifecycle);
  const adapter = new FastifyAdapter({
    bodyLimit: config.BODY_LIMIT_BYTES,
    genReqId: (req: IncomingMessage) => requestIdOf(req),
    // Route matching: `/tags/` and `/tags` are the same resource.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
    // Errors Fastify answers itself (bad URL encoding, unparsable requests) get the envelope too.
    frameworkErrors: envelopeFrameworkErrors,
    clientErrorHandler: envelopeClientError,
    // A request (headers and body) must arrive within REQUEST_TIMEOUT_MS, else 408 and close: a body that
    // never finishes must not hold a connection. Node checks pending requests every second.
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    // While shutting down, requests on open connections are still served (with Connection: close);
    // Fastify's default would answer them 503.
    return503OnClosing: false,
    http: {
      headersTimeout: config.REQUEST_TIMEOUT_MS,
      connectionsCheckingInterval: Math.min(1_000, config.REQUEST_TIMEOUT_MS),
      // Node's own 400 for a missing Host has no body; the onRequest hook answers with an envelope.
      requireHostHeader: false,
    },
  });
  // Only JSON bodies are accepted; without a parser for text/plain Fastify answers 415 for it.
  adapter.getInstance().removeContentTypeParser(['text/plain']);
  installJsonParser(adapter.getInstance() as never, config.BODY_LIMIT_BYTES);
  // Streamed bodies (@StreamedBody routes) are left unread for their handler.
  adapter.getInstance().addContentTypeParser(STREAM_CONTENT_TYPE, (_req, _payload, done) => done(null));
  installFastifyHooks(adapter.getInstance() as never, logger, lifecycle);
  // bodyParser off: the gateway installs its own JSON parser (json-parser.ts).
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, { bufferLogs: true, abortOnError: false, bodyParser: false });
  app.useLogger(app.get(Logger));
  app.useGlobalPipes(createValidationPipe());
  await app.init();
  app.getHttpServer().on('connect', refuseConnect);
  // The OpenAPI document is built once, after every controller is registered.
  app.get<{ json: string }>(OPENAPI_DOCUMENT).json = JSON.stringify(buildOpenApiDocument(app, config.PUBLIC_URL));
  return app;
}
