/**
 * The checkpoint signing seam. The log only needs something that signs bytes with Ed25519 and
 * names its public key; where the private key lives is the caller's business.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { BulwarkError } from '../errors/index.js';

export interface AuditSigner {
  /** The Ed25519 public key checkpoints are verified with (recorded in `audit.key` records). */
  readonly publicKey: KeyObject;
  /** An Ed25519 signature of `data`. */
  sign(data: Buffer): Buffer;
}

/** A signer over an Ed25519 private key held in memory. */
export function keySigner(privateKey: KeyObject): AuditSigner {
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new BulwarkError('BWK_USAGE', `the audit signing key must be an Ed25519 key, not ${privateKey.asymmetricKeyType ?? 'unknown'}`, { fix: 'generate one with: openssl genpkey -algorithm ed25519' });
  }
  return { publicKey: createPublicKey(privateKey), sign: (data) => sign(null, data, privateKey) };
}

export function generateSigner(): AuditSigner {
  return keySigner(generateKeyPairSync('ed25519').privateKey);
}

/** Reads a PEM public key (SPKI), or a PEM private key whose public half is wanted. */
export function readPublicKeyFile(path: string): KeyObject {
  let text: string;
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- a key file the user named
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new BulwarkError('BWK_IO', `cannot read the public key file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, { fix: 'export the key with `bulwark audit public-key > audit-key.pem` and pass that file' });
  }
  try {
    const key = createPublicKey(text);
    if (key.asymmetricKeyType !== 'ed25519') throw new Error('not ed25519');
    return key;
  } catch {
    throw new BulwarkError('BWK_USAGE', `${path} is not an Ed25519 public key in PEM form`, { fix: 'export the key with `bulwark audit public-key > audit-key.pem` and pass that file' });
  }
}

/**
 * A signer whose key is the PEM file at `path` (created with mode 0600 when absent), for library
 * users without a vault. The CLI keeps its signing key in the vault (src/services).
 */
export function fileSigner(path: string): AuditSigner {
  let pem: string;
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- the key file in the state folder
    pem = readFileSync(path, 'utf8');
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- the key file in the state folder
    if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new BulwarkError('BWK_AUDIT_UNAVAILABLE', `cannot read the audit signing key ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, { fix: 'make the key file readable by this user, or point audit.stateDir elsewhere' });
    const { privateKey } = generateKeyPairSync('ed25519');
    pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    try {
      // eslint-disable-next-line security/detect-non-literal-fs-filename -- the key file in the state folder
      writeFileSync(path, pem, { flag: 'wx', mode: 0o600 });
    } catch (writeError) {
      if ((writeError as NodeJS.ErrnoException).code !== 'EEXIST') throw new BulwarkError('BWK_AUDIT_UNAVAILABLE', `cannot create the audit signing key ${path}: ${(writeError as NodeJS.ErrnoException).code ?? 'error'}`, { fix: 'make the state folder writable by this user' });
      // eslint-disable-next-line security/detect-non-literal-fs-filename -- created concurrently by another process
      pem = readFileSync(path, 'utf8');
    }
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new BulwarkError('BWK_AUDIT_UNAVAILABLE', `the audit signing key ${path} is not a PEM private key`, { fix: 'restore the key from a backup; a new key would make verify report a key change' });
  }
  return keySigner(key);
}
