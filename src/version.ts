declare const __KEYGUARD_VERSION__: string | undefined;

/** The package version, inlined by the build (scripts/build.mjs) and by vitest.config.ts. */
export const VERSION: string = typeof __KEYGUARD_VERSION__ === 'string' ? __KEYGUARD_VERSION__ : '0.0.0-dev';

export const HOMEPAGE = 'https://www.npmjs.com/package/keyguard';
