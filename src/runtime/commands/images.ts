/**
 * Image commands: images, history, tag, rmi, image inspect, image prune, commit, save, load, build.
 */
import type { Command } from './dispatch.js';
import { imageListCommands } from './images-list.js';
import { imageChangeCommands } from './images-change.js';

/** Image commands keyed by docker command name. */
export const imageCommands: Record<string, Command> = { ...imageListCommands, ...imageChangeCommands };
