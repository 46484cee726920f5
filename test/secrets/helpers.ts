import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditSink, KeyringBackend, KeyringStore } from '../../src/secrets/index.js';

export type AuditEvent = Parameters<AuditSink['append']>[0];

/** A fresh 0700 folder holding a vault path that does not exist yet. */
export function vaultPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bulwark-vault-'));
  return join(dir, 'bulwark', 'vault.json');
}

export function masterKeyEnv(): NodeJS.ProcessEnv {
  return { BULWARK_MASTER_KEY: randomBytes(32).toString('base64') };
}

export function memoryAudit(): AuditSink & { events: AuditEvent[] } {
  const events: AuditEvent[] = [];
  return {
    events,
    append(event) {
      events.push(structuredClone(event));
      return Promise.resolve();
    },
  };
}

/** An in-memory OS keystore; `available` per store. */
export function fakeKeyring(available: Partial<Record<KeyringStore, boolean>> = { keyutils: true }): KeyringBackend & { entries: Map<string, string> } {
  const entries = new Map<string, string>();
  const check = (store: KeyringStore): void => {
    if (available[store] !== true) throw new Error(`${store} unavailable`);
  };
  return {
    entries,
    stores: () => ['secret-service', 'keyutils'],
    probe: (store) => Promise.resolve(available[store] === true ? { available: true, reason: 'fake ok' } : { available: false, reason: `fake ${store} down`, fix: 'fake fix' }),
    get: (store, account) => {
      check(store);
      return Promise.resolve(entries.get(`${store}/${account}`) ?? null);
    },
    set: (store, account, value) => {
      check(store);
      entries.set(`${store}/${account}`, value);
      return Promise.resolve();
    },
    remove: (store, account) => {
      check(store);
      return Promise.resolve(entries.delete(`${store}/${account}`));
    },
  };
}

/** A value that looks like nothing the detectors know, so only registration can mask it. */
export function canary(): string {
  return `canary-${randomBytes(9).toString('hex')}`;
}
