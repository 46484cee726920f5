import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodedVariants, SecretRegistry } from '../../src/redact/registry.js';

test('variants cover raw, base64 at every alignment, url and hex', () => {
  const secret = 'correct horse battery staple';
  const variants = encodedVariants(secret).map((variant) => variant.text);
  assert.ok(variants.includes(secret));
  for (const prefix of ['', 'a', 'ab', 'user:']) {
    const encoded = Buffer.from(prefix + secret + '!').toString('base64');
    assert.ok(
      variants.some((variant) => encoded.includes(variant) && variant.length >= 30),
      `a base64 core of the secret occurs in base64(${JSON.stringify(prefix)} + secret)`,
    );
  }
  assert.ok(variants.includes(encodeURIComponent(secret)));
  assert.ok(variants.includes('correct+horse+battery+staple'));
  assert.ok(variants.includes(Buffer.from(secret).toString('hex')));
  assert.ok(variants.includes(Buffer.from(secret).toString('hex').toUpperCase()));
});

test('base64 cores never include characters that depend on neighbouring bytes', () => {
  const secret = 's3cr3t-value';
  for (const variant of encodedVariants(secret).filter((v) => v.encoding === 'base64')) {
    for (const before of ['', 'x', 'xy', 'Basic ']) {
      for (const after of ['', 'z', 'zz']) {
        const encoded = Buffer.from(before + secret + after).toString('base64');
        const alignment = before.length % 3;
        const expectedAlignment = encodedVariants(secret).filter((v) => v.encoding === 'base64').indexOf(variant);
        if (alignment === expectedAlignment) assert.ok(encoded.includes(variant.text), `${variant.text} in ${encoded}`);
      }
    }
  }
});

test('registry refuses values shorter than the minimum and tracks its version', () => {
  const registry = new SecretRegistry(6);
  assert.equal(registry.register('short'), false);
  const before = registry.version;
  assert.equal(registry.register('long enough'), true);
  assert.notEqual(registry.version, before);
  const after = registry.version;
  assert.equal(registry.register('long enough'), true);
  assert.equal(registry.version, after, 're-registering the same value is not a change');
  registry.setMinLength(1);
  assert.equal(registry.register('abcd'), true, 'the floor is 4');
  assert.equal(registry.register('abc'), false);
});
