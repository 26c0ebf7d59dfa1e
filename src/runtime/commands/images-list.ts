/**
 * Read-only image commands: `docker images`, `history`, `image inspect`.
 */
import type { Command } from './dispatch.js';

/** Read-only image commands. */
export const imageListCommands: Record<string, Command> = {};
