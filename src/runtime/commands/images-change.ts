/**
 * Image-changing commands: `tag`, `rmi`, `image prune`, `commit`, `save`, `load`, `build`.
 */
import type { Command } from './dispatch.js';

/** Image-changing commands. */
export const imageChangeCommands: Record<string, Command> = {};
