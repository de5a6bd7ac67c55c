import { Controller, Get, Header, Inject, NotFoundException, Param, Res } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApiExcludeController } from '@nestjs/swagger';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { getAbsoluteFSPath } from 'swagger-ui-dist';
import { Public } from '@alien/nest-http';

export const OPENAPI_DOCUMENT = Symbol('OPENAPI_DOCUMENT');

/** What the OpenAPI document's `info.license` points at (package.json says UNLICENSED). */
const LICENSE = 'Alien Platform API — proprietary (UNLICENSED). All rights reserved; use only as your agreement with Alien allows.\n';

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'application/javascript; charset=utf-8',
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Alien Platform API</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/assets/swagger-ui-standalone-preset.js"></script>
  <script>
    window.ui = SwaggerUIBundle({ url: '/docs/openapi.json', dom_id: '#ui', deepLinking: true,
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: 'StandaloneLayout' });
  </script>
</body>
</html>`;

/**
 * `/docs/openapi.json` and an interactive page at `/docs`, served from the installed swagger-ui-dist
 * (same under both HTTP adapters, no static-file plugin needed).
 */
@ApiExcludeController()
@Controller('docs')
export class DocsController {
  private readonly assets = new Map<string, Buffer>();

  constructor(
    @Inject(OPENAPI_DOCUMENT) private readonly document: { json: string },
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  @Get()
  @Public()
  @Header('content-type', 'text/html; charset=utf-8')
  page(): string {
    return PAGE;
  }

  @Get('license')
  @Public()
  @Header('content-type', 'text/plain; charset=utf-8')
  license(): string {
    return LICENSE;
  }

  @Get('openapi.json')
  @Public()
  @Header('content-type', 'application/json; charset=utf-8')
  openapi(): string {
    return this.document.json;
  }

  @Get('assets/:file')
  @Public()
  asset(@Param('file') file: string, @Res({ passthrough: true }) res: unknown): Buffer {
    const type = ASSETS[file];
    if (!type) throw new NotFoundException();
    this.adapterHost.httpAdapter.setHeader(res, 'content-type', type);
    this.adapterHost.httpAdapter.setHeader(res, 'cache-control', 'public, max-age=86400');
    let body = this.assets.get(file);
    if (!body) {
      body = readFileSync(path.join(getAbsoluteFSPath(), file));
      this.assets.set(file, body);
    }
    return body;
  }
}
