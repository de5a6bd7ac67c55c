import { CatalogContracts, EntryRef, FileTicket } from '@alien/catalog/contracts';
import { RpcRequest } from '@alien/contracts';
import { RpcHandler } from '@alien/nest-rpc';
import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { FilesService } from './files.service';

const rpc = CatalogContracts.entries.files;

/** The control plane of file transfers: authorisation over NATS, a ticket back; bytes go over HTTP. */
@Controller()
export class FilesHandler {
  constructor(private readonly files: FilesService) {}

  @RpcHandler(rpc.openUpload)
  openUpload(@Payload() req: RpcRequest<EntryRef & { contentLength: number | null }>): Promise<FileTicket> {
    return this.files.openUpload(req.ctx, req.data);
  }

  @RpcHandler(rpc.openDownload)
  openDownload(@Payload() req: RpcRequest<EntryRef>): Promise<FileTicket> {
    return this.files.openDownload(req.ctx, req.data);
  }

  @RpcHandler(rpc.openCreate)
  openCreate(@Payload() req: RpcRequest<{ datasetId: number; contentLength: number | null }>): Promise<FileTicket> {
    return this.files.openCreate(req.ctx, req.data);
  }
}
