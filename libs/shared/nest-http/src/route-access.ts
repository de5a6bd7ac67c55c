import { SetMetadata } from '@nestjs/common';

export const PUBLIC_ROUTE = 'alien:public';
export const PLATFORM_ADMIN = 'alien:platformAdmin';

/** Credentials optional: anonymous callers see public resources. Bad credentials are still 401. */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/** Only platform admins (403 for everyone else, 401 without credentials). */
export const PlatformAdmin = () => SetMetadata(PLATFORM_ADMIN, true);
