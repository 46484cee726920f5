/**
 * The starting policy `bulwark policy init` writes: `$schema` (so editors complete and document
 * every field), the version, and the fields people change first, each section carrying its
 * schema description as a `$comment`. Every value written equals its secure default.
 */
import { policySchema, resolveNode, schemaAt } from './schema.js';

/** The public identifier of the schema, used as `$schema` when no local copy is reachable. */
export function policySchemaId(): string {
  const id = (policySchema() as { $id?: unknown }).$id;
  return typeof id === 'string' ? id : '';
}

function comment(pointer: string): string {
  return resolveNode(schemaAt(pointer) ?? {}).description ?? '';
}

function defaultOf(pointer: string): unknown {
  return resolveNode(schemaAt(pointer) ?? {}).default;
}

/** The text of a minimal, valid, commented `bulwark.config.json`. */
export function initialPolicyText(schemaRef: string = policySchemaId()): string {
  const document = {
    $schema: schemaRef,
    $comment:
      'bulwark policy. A field left out takes its secure default: `bulwark policy explain` lists every effective value and where it came from, and docs/policy.md describes each field. Arrays replace their defaults. ${VAR} is expanded only in fields the schema marks x-env.',
    version: 1,
    execution: {
      $comment: comment('/execution'),
      allowedCommands: defaultOf('/execution/allowedCommands'),
    },
    filesystem: {
      $comment: comment('/filesystem'),
      readRoots: defaultOf('/filesystem/readRoots'),
      writeRoots: defaultOf('/filesystem/writeRoots'),
    },
    network: {
      $comment: comment('/network'),
      allowedHosts: defaultOf('/network/allowedHosts'),
    },
    gateway: {
      $comment: comment('/gateway'),
      listen: { host: defaultOf('/gateway/listen/host'), port: defaultOf('/gateway/listen/port') },
      cors: { origins: defaultOf('/gateway/cors/origins') },
      authorization: { $comment: comment('/gateway/authorization'), rules: defaultOf('/gateway/authorization/rules') },
    },
    sandbox: {
      $comment: comment('/sandbox'),
      level: defaultOf('/sandbox/level'),
    },
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
