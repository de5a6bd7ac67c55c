import { PageQuery } from '@alien/envelope';
import { IdOrSlug } from '@alien/slug';

export const VISIBILITIES = ['public', 'private'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

/** A reference-list item (tag, license, provider, source) as other views embed it. */
export interface RefView {
  id: number;
  slug: string;
  name: string;
}

/** A list filter given as an id (`?tag=3`) or a slug (`?tag=climate`). */
export type RefFilter = IdOrSlug;

export interface DeletedReply {
  id: number;
  deleted: true;
}

/** A list request: page, optional `q`, and the list's own filters. */
export type ListRequest<O extends string, F = unknown> = { page: PageQuery<O>; q?: string } & F;
