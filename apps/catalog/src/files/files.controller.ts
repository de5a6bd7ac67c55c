import { FILE_TICKET_HEADER } from '@alien/catalog/contracts';
import { success } from '@alien/envelope';
import { Controller, Get, HttpCode, Inject, OnModuleInit, Post, Put, Req, Res } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FILE_PORT_PATHS, FilesService } from './files.service';

/** Everything the file port takes is raw bytes (the gateway sends them as octet-stream): never parsed. */
const RAW = 'application/octet-stream';

/**
 * The data plane of entry files on the service's own HTTP port (the one that serves /health): only the
 * gateway talks to it, and only with a ticket the catalog sealed after authorising the caller over NATS.
 */
@Controller()
export class FilesController implements OnModuleInit {
  constructor(
    private readonly files: FilesService,
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (fastify && !fastify.hasContentTypeParser(RAW)) {
      // Leave the body unread: the handlers stream it to storage themselves.
      fastify.addContentTypeParser(RAW, (_req, _payload, done) => done(null));
    }
  }

  @Put(FILE_PORT_PATHS.upload)
  async upload(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const view = await this.closeUnlessRead(req, reply, () => this.files.upload(req.headers[FILE_TICKET_HEADER], req.raw));
    return reply.code(200).send(success(view));
  }

  @Get(FILE_PORT_PATHS.download)
  download(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.files.download(req.headers[FILE_TICKET_HEADER], req.raw, reply);
  }

  @Post(FILE_PORT_PATHS.create)
  @HttpCode(201)
  async create(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const view = await this.closeUnlessRead(req, reply, () => this.files.createWithFile(req.headers[FILE_TICKET_HEADER], req.raw));
    return reply.code(201).send(success(view));
  }

  /** A request refused before its body was read to the end: close the connection instead of reading on. */
  private async closeUnlessRead<T>(req: FastifyRequest, reply: FastifyReply, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (!req.raw.complete) reply.header('connection', 'close');
      throw error;
    }
  }
}
