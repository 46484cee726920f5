import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { BulwarkError, isBulwarkError } from '../../src/errors/index.js';
import { parseMasterKey, probeEnv, probePassphrase, selectProvider, type ProviderProbes } from '../../src/secrets/index.js';

const up = { available: true, reason: 'up' };
const down = (reason: string): { available: false; reason: string; fix: string } => ({ available: false, reason, fix: `fix ${reason}` });

function probes(overrides: Partial<{ secretService: boolean; keyutils: boolean; env: 'absent' | 'valid' | 'invalid'; passphrase: boolean }> = {}): ProviderProbes {
  const { secretService = false, keyutils = false, env = 'absent', passphrase = false } = overrides;
  return {
    keyring: [
      { store: 'secret-service', result: secretService ? up : down('no D-Bus session bus') },
      { store: 'keyutils', result: keyutils ? up : down('no session keyring; run under keyctl session') },
    ],
    env: env === 'valid' ? { ...up, state: 'valid' } : { ...down(env === 'absent' ? 'BULWARK_MASTER_KEY is not set' : 'not base64'), state: env },
    passphrase: passphrase ? { ...up, source: 'env' } : { ...down('no passphrase'), source: null },
  };
}

function failure(action: () => unknown): BulwarkError {
  try {
    action();
  } catch (error) {
    if (isBulwarkError(error)) return error;
    throw error;
  }
  assert.fail('no error');
}

test('auto prefers the OS keystore, Secret Service before the kernel keyring', () => {
  assert.deepEqual(selectProvider('auto', probes({ secretService: true, keyutils: true, env: 'valid' }), null).store, 'secret-service');
  const choice = selectProvider('auto', probes({ keyutils: true, env: 'valid' }), null);
  assert.equal(choice.provider, 'keyring');
  assert.equal(choice.store, 'keyutils');
});

test('auto falls to BULWARK_MASTER_KEY, then the passphrase, recording why', () => {
  const env = selectProvider('auto', probes({ env: 'valid', passphrase: true }), null);
  assert.equal(env.provider, 'env');
  assert.equal(env.skipped.length, 1);
  assert.match(env.skipped[0]!.reason, /D-Bus/);
  assert.match(env.skipped[0]!.reason, /keyctl session/);
  const passphrase = selectProvider('auto', probes({ passphrase: true }), null);
  assert.equal(passphrase.provider, 'passphrase');
  assert.deepEqual(passphrase.skipped.map((s) => s.provider), ['keyring', 'env']);
});

test('auto with nothing usable refuses and lists every reason', () => {
  const error = failure(() => selectProvider('auto', probes(), null));
  assert.equal(error.code, 'BWK_KEYSTORE_UNAVAILABLE');
  assert.match(error.message, /D-Bus/);
  assert.match(error.message, /BULWARK_MASTER_KEY is not set/);
  assert.match(error.fix ?? '', /doctor/);
});

test('auto does not skip a BULWARK_MASTER_KEY that is set but invalid', () => {
  assert.equal(failure(() => selectProvider('auto', probes({ env: 'invalid', passphrase: true }), null)).code, 'BWK_MASTER_KEY_INVALID');
});

test('an explicit provider that cannot work is refused, never downgraded', () => {
  const keyring = failure(() => selectProvider('keyring', probes({ env: 'valid' }), null));
  assert.equal(keyring.code, 'BWK_KEYSTORE_UNAVAILABLE');
  assert.match(keyring.message, /keyctl session/);
  assert.match(keyring.fix ?? '', /fix/);
  assert.equal(failure(() => selectProvider('env', probes({ keyutils: true }), null)).code, 'BWK_KEYSTORE_UNAVAILABLE');
  assert.equal(failure(() => selectProvider('passphrase', probes({ keyutils: true }), null)).code, 'BWK_KEYSTORE_UNAVAILABLE');
});

test('an existing vault uses the provider that holds its key', () => {
  const choice = selectProvider('auto', probes({ secretService: true, keyutils: true, env: 'valid' }), { provider: 'env', store: null });
  assert.equal(choice.provider, 'env');
  const kernel = selectProvider('auto', probes({ secretService: true, keyutils: true }), { provider: 'keyring', store: 'keyutils' });
  assert.equal(kernel.store, 'keyutils');
  assert.equal(failure(() => selectProvider('auto', probes({ secretService: true, env: 'valid' }), { provider: 'keyring', store: 'keyutils' })).code, 'BWK_KEYSTORE_UNAVAILABLE');
  const mismatch = failure(() => selectProvider('passphrase', probes({ passphrase: true }), { provider: 'env', store: null }));
  assert.match(mismatch.fix ?? '', /secrets\.provider to env/);
});

test('BULWARK_MASTER_KEY must be base64 of exactly 32 bytes; errors never quote it', () => {
  const key = randomBytes(32);
  assert.deepEqual(parseMasterKey(key.toString('base64')), key);
  assert.deepEqual(parseMasterKey(key.toString('base64url')), key);
  const short = failure(() => parseMasterKey(randomBytes(16).toString('base64')));
  assert.equal(short.code, 'BWK_MASTER_KEY_INVALID');
  assert.match(short.message, /16 bytes/);
  const junk = 'not*base64*at*all-secret';
  const bad = failure(() => parseMasterKey(junk));
  assert.equal(bad.code, 'BWK_MASTER_KEY_INVALID');
  assert.equal(`${bad.message} ${bad.fix ?? ''}`.includes(junk), false);
  assert.equal(probeEnv({}).state, 'absent');
  assert.equal(probeEnv({ BULWARK_MASTER_KEY: 'abc' }).state, 'invalid');
  assert.equal(probeEnv({ BULWARK_MASTER_KEY: key.toString('base64') }).state, 'valid');
});

test('the passphrase comes from the named variable, else a terminal', () => {
  assert.equal(probePassphrase({ MY_PASS: 'x' }, 'MY_PASS', false).source, 'env');
  assert.equal(probePassphrase({}, 'MY_PASS', true).source, 'tty');
  const none = probePassphrase({}, 'MY_PASS', false);
  assert.equal(none.available, false);
  assert.match(none.reason, /MY_PASS/);
});
