import { KeyRing } from '@alien/secrets';

/** The catalog's key ring (SECRETS_KEY_RING): seals AI model credentials and file tickets. */
export const KEY_RING = Symbol('KEY_RING');
export type CatalogKeyRing = KeyRing;
