import type { Platform } from '@alien/testing';

export default async function globalTeardown(): Promise<void> {
  const platform = (globalThis as { __PLATFORM__?: Platform }).__PLATFORM__;
  await platform?.stop();
}
