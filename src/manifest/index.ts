/**
 * The plugin manifest (`bulwark.manifest.json`, DESIGN.md "The plugin manifest"): its schema,
 * loading with path-precise errors, and resolution into the grants the sandbox applies.
 */
export type { Access, Grant, LoadedManifest, Manifest, ManifestLimits, ManifestPermissions, ManifestProblem } from './types.js';
export { manifestSchema, MANIFEST_SCHEMA_URL, validateManifestDocument } from './validate.js';
export { DEFAULT_MANIFEST_FILE, EMPTY_MANIFEST, loadManifest, manifestProblemsError, MAX_MANIFEST_BYTES, parseManifestText } from './load.js';
export { CA_PATHS, LINKER_FILES, protectedMatch, resolveGrants, resolveManifestPath, RUNTIME_DIRS, shebangInterpreter, whichCommand } from './grants.js';
export type { ResolvedGrants, ResolveOptions } from './grants.js';
