import {
  NodeTypeView,
  PresetView,
  WORKFLOW_TYPES,
  WorkflowEdgeView,
  WorkflowNodeView,
  WorkflowType,
  WorkflowView,
} from '@alien/orchestration/contracts';
import { NameField, SlugField } from '@alien/nest-http';
import { MAX_ID } from '@alien/slug';
import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';

const MAX_NODES = 500;
const MAX_EDGES = 2_000;

export class NodeTypeDto implements NodeTypeView {
  [extra: string]: unknown;
  @ApiProperty({ example: 'edit_fields' }) type: string;
  @ApiProperty({ example: 'Edit fields' }) label: string;
  @ApiProperty({ example: 'transform' }) category: string;
  @ApiProperty() description: string;
  @ApiProperty({ example: '1.0.0' }) version: string;
  @ApiProperty({ example: { inputs: ['inputs'], outputs: ['outputs'] } }) handles: { inputs: string[]; outputs: string[] };
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'JSON Schema of the params' }) params: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'JSON Schema of the input' }) inputs: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'JSON Schema of the output' }) outputs: Record<string, unknown>;
}

export class WorkflowNodeDto implements WorkflowNodeView {
  [extra: string]: unknown;
  @ApiProperty({ example: 'editFields-1' }) id: string;
  @ApiProperty({ example: 'edit_fields' }) type: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: '{label, handles[], isInput, isOutput, isTool, errors[], inputs[], outputs[], params: {<name>: {value, isExpression, isAttachedToInputNode}}, schema?}',
  })
  data: WorkflowNodeView['data'];
  @ApiPropertyOptional({ example: { x: 120, y: 40 } }) position?: { x: number; y: number };
}

export class WorkflowEdgeDto implements WorkflowEdgeView {
  [extra: string]: unknown;
  @ApiProperty({ example: 'e1' }) id: string;
  @ApiProperty({ example: 'input-1' }) source: string;
  @ApiProperty({ example: 'editFields-1' }) target: string;
  @ApiPropertyOptional({ type: String, nullable: true, example: 'outputs' }) sourceHandle?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, example: 'inputs' }) targetHandle?: string | null;
}

export class WorkflowDto implements WorkflowView {
  @ApiProperty() id: number;
  @ApiProperty() name: string;
  @ApiProperty() slug: string;
  @ApiProperty({ type: String, nullable: true }) description: string | null;
  @ApiProperty({ enum: WORKFLOW_TYPES }) type: WorkflowType;
  @ApiProperty({ description: 'Readable by anyone, runnable by any authenticated user (the run is theirs)' }) isPublic: boolean;
  @ApiProperty({ type: String, nullable: true }) presetCategory: string | null;
  @ApiProperty({ type: Number, nullable: true }) collectionId: number | null;
  @ApiProperty({ type: Number, nullable: true }) datasetId: number | null;
  @ApiProperty({ type: [Number] }) tagIds: number[];
  @ApiProperty({ type: [WorkflowNodeDto] }) nodes: WorkflowNodeDto[];
  @ApiProperty({ type: [WorkflowEdgeDto] }) edges: WorkflowEdgeDto[];
  @ApiProperty({ description: '+1 on every change of nodes or edges' }) graphVersion: number;
  @ApiProperty() organizationId: number;
  @ApiProperty({ type: Number, nullable: true }) createdBy: number | null;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

/** Nodes and edges are checked by the service against the node registry (422 naming node id and field). */
export class CreateWorkflowDto {
  @NameField('Support answer')
  name: string;

  @SlugField()
  slug?: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 5_000 })
  @ValidateIf((_, v) => v !== null && v !== undefined)
  @IsString()
  @MaxLength(5_000)
  description?: string | null;

  @ApiPropertyOptional({ enum: WORKFLOW_TYPES, default: 'streaming' })
  @IsOptional()
  @IsIn(WORKFLOW_TYPES)
  type?: WorkflowType;

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsBoolean()
  isPublic?: boolean;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 100 })
  @ValidateIf((_, v) => v !== null && v !== undefined)
  @IsString()
  @MaxLength(100)
  presetCategory?: string | null;

  @ApiPropertyOptional({ type: Number, nullable: true })
  @ValidateIf((_, v) => v !== null && v !== undefined)
  @IsInt()
  @Min(1)
  @Max(MAX_ID)
  collectionId?: number | null;

  @ApiPropertyOptional({ type: Number, nullable: true })
  @ValidateIf((_, v) => v !== null && v !== undefined)
  @IsInt()
  @Min(1)
  @Max(MAX_ID)
  datasetId?: number | null;

  @ApiPropertyOptional({ type: [Number] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(MAX_ID, { each: true })
  tagIds?: number[];

  @ApiPropertyOptional({ type: [WorkflowNodeDto], maxItems: MAX_NODES })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_NODES)
  @IsObject({ each: true })
  nodes?: WorkflowNodeView[];

  @ApiPropertyOptional({ type: [WorkflowEdgeDto], maxItems: MAX_EDGES })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_EDGES)
  @IsObject({ each: true })
  edges?: WorkflowEdgeView[];
}

/** Every field optional; `{}` is 422. */
export class UpdateWorkflowDto extends PartialType(CreateWorkflowDto) {}

export class PresetDto implements PresetView {
  @ApiProperty() id: number;
  @ApiProperty() workflowId: number;
  @ApiProperty() name: string;
  @ApiProperty() slug: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The run input; a run’s own input overrides it' })
  input: Record<string, unknown>;
  @ApiProperty() organizationId: number;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class CreatePresetDto {
  @NameField('Short answers')
  name: string;

  @SlugField()
  slug?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { user_prompt: 'Hello' } })
  @IsOptional()
  @IsObject()
  input?: Record<string, unknown>;
}

export class UpdatePresetDto extends PartialType(CreatePresetDto) {}
