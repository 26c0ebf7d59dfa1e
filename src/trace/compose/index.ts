/**
 * The Compose loader: docker-compose.yml → validated project → the docker commands Compose v2 runs.
 *
 * @module
 */
export * from './model.js';
export { loadCompose, validate, normalizeProjectName, ComposeError, COMPOSE_MAX_BYTES, type ComposeLoadOptions } from './load.js';
export { composeCommands, containerName, shq, COMPOSE_VERSION_LABEL, type ComposeStep, type TranslateOptions } from './translate.js';
