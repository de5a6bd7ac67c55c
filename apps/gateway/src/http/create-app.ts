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
import { envelopeClientError, envelopeFrameworkErrors, refuseConnect, refuseExpectation } from './framework-errors';
import { GatewayLifecycle, installFastifyHooks, logAccess } from './http-hooks';
import { installJsonParser } from './json-parser';
import { enforceBodyDeadline } from './body-deadline';
import { STREAM_CONTENT_TYPE, createValidationPipe, requestIdOf } from '@alien/nest-http';
import { DataPlanePassthrough } from '@alien/proxy/http';

/** Builds the gateway on Fastify (it won every run of bench P1 against Express, which is gone). */
export async function createGatewayApp(config: GatewayConfig, logger: Pino): Promise<INestApplication> {
  const lifecycle: GatewayLifecycle = { stopping: false };
  const module = GatewayModule.register(config, logger, lifecycle);
  // The proxy app's streaming routes go to it byte for byte, before Fastify (no parsing, no buffering);
  // the proxy app authenticates and authorises them itself.
  const passthrough = new DataPlanePassthrough({
    proxyUrl: config.PROXY_URL,
    budgetMs: config.PROXY_TIMEOUT_MS,
    onDone: (req, status, ms) => logAccess(logger, req, status, ms),
  });
  const adapter = new FastifyAdapter({
    // Our own server (Fastify then ignores its `http` and `requestTimeout` options): headers must arrive
    // within REQUEST_TIMEOUT_MS on every path, bodies too except on the proxy app's streams.
    serverFactory: (handler: RequestListener) =>
      createServer(
        {
          headersTimeout: config.REQUEST_TIMEOUT_MS,
          requestTimeout: 0,
          connectionsCheckingInterval: Math.min(1_000, config.REQUEST_TIMEOUT_MS),
          // Node's own 400 for a missing Host has no body; the onRequest hook answers with an envelope.
          requireHostHeader: false,
        },
        (req, res) => {
          if (passthrough.matches(req.url)) return void passthrough.handle(req, res);
          enforceBodyDeadline(req, res, config.REQUEST_TIMEOUT_MS);
          handler(req, res);
        },
      ),
    bodyLimit: config.BODY_LIMIT_BYTES,
    genReqId: (req: IncomingMessage) => requestIdOf(req),
    // Route matching: `/tags/` and `/tags` are the same resource.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
    // Errors Fastify answers itself (bad URL encoding, unparsable requests) get the envelope too.
    frameworkErrors: envelopeFrameworkErrors,
    clientErrorHandler: envelopeClientError,
    // While shutting down, requests on open connections are still served (with Connection: close);
    // Fastify's default would answer them 503.
    return503OnClosing: false,
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
  app.getHttpServer().once('close', () => void passthrough.close());
  await app.init();
  app.getHttpServer().on('connect', refuseConnect);
  app.getHttpServer().on('checkExpectation', refuseExpectation);
  // The OpenAPI document is built once, after every controller is registered.
  app.get<{ json: string }>(OPENAPI_DOCUMENT).json = JSON.stringify(buildOpenApiDocument(app, config.PUBLIC_URL));
  return app;
}
