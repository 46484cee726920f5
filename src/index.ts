/**
 * bulwark's library entry: each module is also its own subpath export (`bulwark/redact`,
 * `bulwark/policy`, `bulwark/log`, `bulwark/errors`, `bulwark/decision`, `bulwark/runtime`).
 */
export * as audit from './audit/index.js';
export * as decision from './decision/index.js';
export * as errors from './errors/index.js';
export * as log from './log/index.js';
export * as policy from './policy/index.js';
export * as redact from './redact/index.js';
export * as runtime from './runtime/index.js';
export * as secrets from './secrets/index.js';
