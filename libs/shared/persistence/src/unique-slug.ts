import { ApiError } from '@alien/envelope';
import { derivedSlugs } from '@alien/slug';

function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; driverError?: { code?: string } } | null;
  return (e?.driverError?.code ?? e?.code) === '23505';
}

export interface UniqueSlugOptions {
  /** The slug the client asked for; only such a slug can answer 409. */
  explicit?: string;
  /** The display name a slug is derived from when none was asked for. */
  name: string;
  /** Prefix for names without a Latin spelling (`org-k3x9q2`). */
  fallback?: string;
  /** What the resource is called in the 409 message ("organization"). */
  what: string;
  /** Cheap pre-check so most clashes never reach an INSERT. */
  isTaken(slug: string): Promise<boolean>;
}

/**
 * Creates a row under a unique slug. An explicit slug that is taken → 409 `slug_taken`. A derived one
 * moves on to `-2`, `-3`…, then a random suffix, so a popular name never blocks anyone. `save` runs once
 * per candidate (make it its own transaction); a unique violation from a concurrent insert of the same
 * slug is treated like a taken slug.
 */
export async function saveWithUniqueSlug<T>(options: UniqueSlugOptions, save: (slug: string) => Promise<T>): Promise<T> {
  const taken = () => ApiError.conflict(`The slug "${options.explicit}" is taken by another ${options.what}`, 'slug_taken');
  if (options.explicit !== undefined) {
    if (await options.isTaken(options.explicit)) throw taken();
    try {
      return await save(options.explicit);
    } catch (error) {
      if (isUniqueViolation(error)) throw taken();
      throw error;
    }
  }
  for (const slug of derivedSlugs(options.name, options.fallback)) {
    if (await options.isTaken(slug)) continue;
    try {
      return await save(slug);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
  }
  throw ApiError.conflict(`Could not find a free slug for this ${options.what}; send one explicitly`, 'slug_taken');
}
