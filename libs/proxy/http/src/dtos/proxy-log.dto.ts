import { ProxyLogView } from '@alien/proxy/contracts';
import { ApiProperty } from '@nestjs/swagger';

export class ProxyLogDto implements ProxyLogView {
  @ApiProperty({ example: 812 }) id: number;
  @ApiProperty({ example: 5 }) clusterId: number;
  @ApiProperty({ example: 7 }) userId: number;
  @ApiProperty({ example: 3, description: 'The organization the caller acted in' }) organizationId: number;
  @ApiProperty({ type: Number, nullable: true }) tokenId: number | null;
  @ApiProperty({ example: 'POST' }) method: string;
  @ApiProperty({ example: '/api/v1/search', description: 'Path within the cluster, without the query string' }) path: string;
  @ApiProperty({ example: 200, description: 'What the client got; 499 when it went away first' }) status: number;
  @ApiProperty({ example: 312 }) bytesIn: number;
  @ApiProperty({ example: 20480 }) bytesOut: number;
  @ApiProperty({ example: 41 }) durationMs: number;
  @ApiProperty({ example: '6f1c…' }) requestId: string;
  @ApiProperty() createdAt: string;
}
