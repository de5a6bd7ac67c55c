import {
  CONSUMPTION_GROUP_BY,
  ComputeContextView,
  ConsumptionGroupBy,
  ConsumptionRow,
  ConsumptionView,
  JOB_STATUSES,
  JobErrorView,
  JobResult,
  JobStatus,
  JobSummaryView,
  JobView,
  NodeTiming,
  UsageView,
  WorkflowEdgeView,
  WorkflowMetricsView,
  WorkflowNodeView,
} from '@alien/orchestration/contracts';
import { MAX_ID } from '@alien/slug';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsInt, IsObject, IsOptional, Max, Min } from 'class-validator';
import { WorkflowEdgeDto, WorkflowNodeDto } from './workflow.dto';

export const JOB_STATES_DESCRIPTION =
  'Job states: `pending` (created, waiting for a worker or for a slot of the organization) → `running` → ' +
  '`completed` | `failed` | `cancelled` (terminal).';

export class JobErrorDto implements JobErrorView {
  @ApiProperty({ example: 'http_status' }) code: string;
  @ApiProperty() message: string;
  @ApiPropertyOptional({ example: 'httpRequest-1' }) nodeId?: string;
}

export class JobResultDto implements JobResult {
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'array', items: {} },
    description: 'Outputs by node id: `result.results["httpResponse-2"][0]`',
  })
  results: Record<string, unknown[]>;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'Streamed OpenAI `chat.completion.chunk`s by node id: `result.stream["chat-1"].chunks`',
  })
  stream: Record<string, { chunks: unknown[]; status?: 'streaming' | 'complete' }>;
}

export class JobSummaryDto implements JobSummaryView {
  @ApiProperty() id: number;
  @ApiProperty({ example: 'job-support-answer-1764690000000' }) slug: string;
  @ApiProperty({ enum: JOB_STATUSES, description: JOB_STATES_DESCRIPTION }) status: JobStatus;
  @ApiProperty({ minimum: 0, maximum: 100 }) progress: number;
  @ApiProperty() workflowId: number;
  @ApiProperty() graphVersion: number;
  @ApiProperty({ description: 'The organization the run belongs to and is billed to' }) organizationId: number;
  @ApiProperty({ type: Number, nullable: true }) userId: number | null;
  @ApiProperty({ type: Number, nullable: true }) presetId: number | null;
  @ApiProperty({ type: JobErrorDto, nullable: true }) error: JobErrorDto | null;
  @ApiProperty({ description: 'Deliveries to a worker so far' }) attempts: number;
  @ApiProperty() createdAt: string;
  @ApiProperty({ type: String, nullable: true }) startedAt: string | null;
  @ApiProperty({ type: String, nullable: true }) finishedAt: string | null;
  @ApiProperty() updatedAt: string;
}

export class JobDto extends JobSummaryDto implements JobView {
  @ApiProperty({ type: 'object', additionalProperties: true }) input: Record<string, unknown>;
  @ApiProperty({ type: JobResultDto }) result: JobResultDto;
  @ApiProperty({ type: [WorkflowNodeDto], description: 'The graph’s nodes with `data.isExecuted`, `data.outputs[]`, `data.errors[]`' })
  nodes: WorkflowNodeDto[];
}

export class JobResultsDto {
  @ApiProperty() jobId: number;
  @ApiProperty({ enum: JOB_STATUSES }) status: JobStatus;
  @ApiProperty({ type: JobResultDto }) result: JobResultDto;
}

export class RunWorkflowDto {
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Given to the node with `data.isInput`', example: { user_prompt: 'Hi' } })
  @IsOptional()
  @IsObject()
  input?: Record<string, unknown>;

  @ApiPropertyOptional({ type: [WorkflowNodeDto], description: 'A one-off graph for this run (validated like a saved one)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @IsObject({ each: true })
  nodes?: WorkflowNodeView[];

  @ApiPropertyOptional({ type: [WorkflowEdgeDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(2_000)
  @IsObject({ each: true })
  edges?: WorkflowEdgeView[];

  @ApiPropertyOptional({ description: 'A preset of this workflow; the request’s input overrides its fields' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_ID)
  presetId?: number;
}

export class RunSyncDto extends RunWorkflowDto {
  @ApiPropertyOptional({ description: 'Seconds to wait for the end (default 300, at most 600)', minimum: 1, maximum: 600, default: 300 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(600)
  timeout?: number;
}

export class NodeTimingDto implements NodeTiming {
  @ApiProperty() nodeId: string;
  @ApiProperty() type: string;
  @ApiProperty({ enum: ['completed', 'failed'] }) status: 'completed' | 'failed';
  @ApiProperty({ type: String, nullable: true }) startedAt: string | null;
  @ApiProperty() finishedAt: string;
  @ApiProperty() durationMs: number;
  @ApiProperty() attempt: number;
  @ApiProperty() truncated: boolean;
}

export class UsageDto implements UsageView {
  @ApiProperty({ enum: ['model', 'connector', 'cluster'] }) kind: 'model' | 'connector' | 'cluster';
  @ApiProperty() refId: string;
  @ApiProperty({ type: String, nullable: true }) name: string | null;
  @ApiProperty() nodeId: string;
  @ApiProperty() quantity: number;
  @ApiProperty({ example: 'tokens' }) unit: string;
  @ApiProperty() unitPrice: number;
  @ApiProperty() cost: number;
}

export class UnitsDto {
  @ApiProperty() tokens: number;
  @ApiProperty() externalUnits: number;
  @ApiProperty() cost: number;
}

export class ComputeContextDto implements ComputeContextView {
  @ApiProperty() jobId: number;
  @ApiProperty({ enum: JOB_STATUSES }) status: JobStatus;
  @ApiProperty({ type: String, nullable: true }) worker: string | null;
  @ApiProperty() attempts: number;
  @ApiProperty({ type: Number, nullable: true }) queueWaitMs: number | null;
  @ApiProperty({ type: Number, nullable: true }) runMs: number | null;
  @ApiProperty({ type: [NodeTimingDto] }) nodes: NodeTimingDto[];
  @ApiProperty({ type: [String] }) clusters: string[];
  @ApiProperty({ type: [String] }) models: string[];
  @ApiProperty({ type: [String] }) connectors: string[];
  @ApiProperty({ type: [UsageDto] }) usage: UsageDto[];
  @ApiProperty({ type: UnitsDto }) units: UnitsDto;
  @ApiProperty({ type: String, nullable: true }) deadLetterReason: string | null;
}

class ByStatusDto implements Record<JobStatus, number> {
  @ApiProperty() pending: number;
  @ApiProperty() running: number;
  @ApiProperty() completed: number;
  @ApiProperty() failed: number;
  @ApiProperty() cancelled: number;
}

export class RunStatsDto {
  @ApiProperty() runs: number;
  @ApiProperty({ type: ByStatusDto }) byStatus: ByStatusDto;
  @ApiProperty({ type: Number, nullable: true }) successRate: number | null;
  @ApiProperty({ type: Number, nullable: true }) p50DurationMs: number | null;
  @ApiProperty({ type: Number, nullable: true }) p95DurationMs: number | null;
}

export class MetricsBucketDto extends RunStatsDto {
  @ApiProperty() bucket: string;
}

export class NodeMetricsDto {
  @ApiProperty() nodeId: string;
  @ApiProperty() type: string;
  @ApiProperty() runs: number;
  @ApiProperty() avgDurationMs: number;
}

export class WorkflowMetricsDto extends RunStatsDto implements WorkflowMetricsView {
  @ApiProperty() workflowId: number;
  @ApiProperty() from: string;
  @ApiProperty() to: string;
  @ApiProperty({ enum: ['hour', 'day'] }) interval: 'hour' | 'day';
  @ApiProperty({ type: [MetricsBucketDto] }) series: MetricsBucketDto[];
  @ApiProperty({ type: [NodeMetricsDto] }) nodes: NodeMetricsDto[];
}

export class ConsumptionRowDto implements ConsumptionRow {
  @ApiProperty() key: string;
  @ApiProperty({ type: String, nullable: true }) name: string | null;
  @ApiProperty() quantity: number;
  @ApiProperty() unit: string;
  @ApiProperty() cost: number;
  @ApiProperty() jobs: number;
}

export class ConsumptionDto implements ConsumptionView {
  @ApiProperty() from: string;
  @ApiProperty() to: string;
  @ApiProperty({ enum: CONSUMPTION_GROUP_BY }) groupBy: ConsumptionGroupBy;
  @ApiProperty() totalCost: number;
  @ApiProperty({ type: [ConsumptionRowDto] }) rows: ConsumptionRowDto[];
}
