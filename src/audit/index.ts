/**
 * The tamper-evident audit log: append-only JSON Lines segments, one SHA-256 hash chain across
 * them, Ed25519-signed checkpoints, group commit with fsync, crash recovery and retention.
 *
 *   const audit = await openAuditLog({ policy: loaded.policy.audit, signer });
 *   await auditPolicyOnStart(audit, loaded);
 *   const receipt = await audit.append({ type: 'tool.call', actor: 'alice', subject: 'fs.read', decision: 'allow', rule: 'authz.tools', data: { path } });
 *   await audit.close();
 *
 * `append` resolves once the record is on disk. When it rejects (BWK_AUDIT_UNAVAILABLE) the
 * operation it records must be denied when the policy's `audit.failClosed` is true (the default).
 */
export type { AuditDecision, AuditEvent, AuditRecord, Receipt } from './record.js';
export { AUDIT_TYPES, buildRecord, canonicalJson, checkpointMessage, computeLineHash, decodePublicKey, encodePublicKey, keyFingerprint, parseRecord } from './record.js';
export type { LineRef, ProblemKind, VerifierOptions, VerifyProblem, VerifyReport } from './verify.js';
export { ChainVerifier, verifyLines } from './verify.js';
export type { Segment, SegmentLine } from './segments.js';
export { auditDirOf, defaultStateDir, listSegments, liveWriter, readLogLines, readSegmentLines, segmentName } from './segments.js';
export type { AuditSigner } from './signer.js';
export { fileSigner, generateSigner, keySigner, readPublicKeyFile } from './signer.js';
export type { AuditLogger, AuditRedactor, OpenAuditLogOptions, PruneResult } from './writer.js';
export { AuditLog, DEFAULT_SEGMENT_BYTES, openAuditLog, resolveStateDir } from './writer.js';
export type { PolicyChange } from './policy.js';
export { auditPolicyOnStart, diffSnapshots, findLastRecord, policySnapshot } from './policy.js';
export type { AuditQuery } from './query.js';
export { CSV_COLUMNS, csvRow, formatRecord, lastRecords, parseTime, queryRecords, readRecords } from './query.js';
export { verifyLog } from './read.js';

/** The signing key file in the state folder (one line: the lead moves this key into the vault). */
export const SIGNING_KEY_FILE = 'signing-key.pem';
