import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Where the shared oracle lives: `$DOCKERNET_ORACLE`, else `../shared/oracle` beside the checkout
 * (where CI puts it). Tests that need it skip when it is absent.
 */
export const SHARED_ORACLE = process.env.DOCKERNET_ORACLE ?? resolve(__dirname, '../../../shared/oracle');

/** The shared oracle's scenarios folder. */
export const SHARED_SCENARIOS = resolve(SHARED_ORACLE, 'scenarios');

/** True when the shared oracle is present. */
export const HAVE_SHARED_ORACLE = existsSync(SHARED_SCENARIOS);

/** The scenarios this repository captured itself (always present). */
export const LOCAL_ORACLE = resolve(__dirname, '../fixtures/oracle');
