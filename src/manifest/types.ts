/** The plugin manifest (`bulwark.manifest.json`), field for field as manifest.schema.json describes it. */

export interface ManifestPermissions {
  readonly filesystem?: { readonly read?: readonly string[]; readonly write?: readonly string[] };
  readonly network?: { readonly connect?: readonly string[] };
  readonly process?: { readonly spawn?: readonly string[]; readonly justification: string };
  readonly env?: readonly string[];
  readonly secrets?: readonly string[];
}

export interface ManifestLimits {
  readonly memoryMb?: number;
  readonly cpuSeconds?: number;
  readonly processes?: number;
  readonly outputMb?: number;
}

export interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly permissions?: ManifestPermissions;
  readonly limits?: ManifestLimits;
}

/** A manifest as loaded: `file` is null for the empty manifest used without `--manifest` (nothing granted). */
export interface LoadedManifest {
  readonly manifest: Manifest;
  readonly file: string | null;
  /** The folder relative paths resolve against: the manifest's, else the working directory. */
  readonly dir: string;
}

/** One thing wrong with a manifest. */
export interface ManifestProblem {
  /** JSON pointer of the offending value ('' is the whole document). */
  readonly path: string;
  readonly message: string;
  readonly fix: string;
}

export type Access = 'ro' | 'rw';

/** One path the sandbox makes visible, and why. */
export interface Grant {
  /** Absolute path passed to the helper (bound at this path inside the sandbox). */
  readonly path: string;
  readonly access: Access;
  /** "implicit: runtime (...)" or "manifest: permissions.filesystem.read[0]". */
  readonly source: string;
}
