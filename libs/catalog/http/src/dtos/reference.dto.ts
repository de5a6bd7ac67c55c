import { SLUG_PATTERN } from '@alien/slug';
import { NameField, SlugField } from '@alien/nest-http';
import { ReferenceItem } from '@alien/catalog/contracts';
import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { IsString, IsUrl, Matches, MaxLength, ValidateIf } from 'class-validator';

export class ReferenceItemDto implements ReferenceItem {
  @ApiProperty({ example: 3 }) id: number;
  @ApiProperty({ example: 'Apache License 2.0' }) name: string;
  @ApiProperty({ example: 'apache-2-0', pattern: SLUG_PATTERN.source }) slug: string;
  @ApiProperty({ type: String, nullable: true }) description: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'https://www.apache.org/licenses/LICENSE-2.0' }) url: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'Apache-2.0', description: 'Licenses only' }) spdxId: string | null;
  @ApiProperty({ example: '2026-11-29T08:00:00.000Z' }) createdAt: string;
  @ApiProperty({ example: '2026-11-29T08:00:00.000Z' }) updatedAt: string;
}

export class CreateReferenceDto {
  @NameField('Agriculture')
  name: string;

  @SlugField()
  slug?: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 5000 })
  @ValidateIf((_, v) => v !== null && v !== undefined)
  @IsString()
  @MaxLength(5000)
  description?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'https://example.org' })
  @ValidateIf((_, v) => v !== null && v !== undefined)
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true })
  @MaxLength(2048)
  url?: string | null;
}

export class CreateLicenseDto extends CreateReferenceDto {
  @ApiPropertyOptional({ type: String, nullable: true, example: 'CC-BY-4.0', description: 'SPDX license identifier' })
  @ValidateIf((_, v) => v !== null && v !== undefined)
  @IsString()
  @Matches(/^[A-Za-z0-9.+-]{1,100}$/, { message: 'spdxId must be an SPDX identifier such as CC-BY-4.0' })
  spdxId?: string | null;
}

export class UpdateReferenceDto extends PartialType(CreateReferenceDto) {}
export class UpdateLicenseDto extends PartialType(CreateLicenseDto) {}
