import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { crc32 } from 'node:zlib';
import {
  base62Checksum,
  githubCrc32,
  IBAN_LENGTHS,
  ibanMod97,
  jwt,
  luhn,
  npmCrc32,
  phone,
  shannonEntropy,
  tokenChecksum,
  usSsn,
  VALIDATORS,
} from '../../src/redact/validators/index.js';
import { ALNUM, B64URL, cardNumber, checksummedToken, ibanFor, makeJwt, Rng, withLuhnDigit } from './fixtures/generate.js';

const b64url = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

describe('shannonEntropy', () => {
  test('is 0 for empty and single-symbol strings', () => {
    assert.equal(shannonEntropy(''), 0);
    assert.equal(shannonEntropy('aaaaaaaa'), 0);
  });

  test('is log2 of the alphabet size for uniform strings', () => {
    assert.equal(shannonEntropy('ab'), 1);
    assert.equal(shannonEntropy('abcd'), 2);
    assert.equal(shannonEntropy('abcdefgh'), 3);
    assert.ok(Math.abs(shannonEntropy(ALNUM) - Math.log2(62)) < 1e-9);
  });

  test('counts code points, not UTF-16 units', () => {
    assert.equal(shannonEntropy('😀😀'), 0);
    assert.equal(shannonEntropy('😀a'), 1);
  });

  test('separates random tokens from placeholders', () => {
    const rng = new Rng('entropy');
    assert.ok(shannonEntropy(rng.string(ALNUM, 40)) > 4.5);
    assert.ok(shannonEntropy('changeme') < 3);
    assert.ok(shannonEntropy('x'.repeat(36)) < 1);
  });
});

describe('VALIDATORS', () => {
  test('has exactly the validator names of the schema', () => {
    assert.deepEqual(Object.keys(VALIDATORS).sort(), ['github-crc32', 'iban-mod97', 'jwt', 'luhn', 'npm-crc32', 'phone', 'us-ssn']);
  });

  test('never throws on hostile input', () => {
    const inputs = ['', ' ', '-', '\u0000', '😀'.repeat(50), 'a'.repeat(100_000), '.'.repeat(3), 'eyJ.eyJ.', '+', '()'];
    for (const validate of Object.values(VALIDATORS)) {
      for (const input of inputs) assert.equal(typeof validate(input), 'boolean');
    }
  });
});

describe('luhn', () => {
  test('accepts well-known test card numbers and generated ones', () => {
    assert.equal(luhn('4242'.repeat(4)), true);
    assert.equal(luhn(`4111${'1'.repeat(12)}`), true);
    assert.equal(luhn(Array(4).fill('4242').join(' ')), true);
    assert.equal(luhn(Array(4).fill('4242').join('-')), true);
    const rng = new Rng('luhn');
    for (const [prefix, length] of [['4', 16], ['51', 16], ['34', 15], ['6011', 16], ['36', 14], ['4', 13], ['4', 19]] as const) {
      assert.equal(luhn(cardNumber(rng, prefix, length)), true, `${prefix}/${length}`);
      assert.equal(luhn(cardNumber(rng, prefix, length, false)), false, `${prefix}/${length} with a wrong check digit`);
    }
  });

  test('computes the classic check digit', () => {
    // The textbook example: 7992739871 has check digit 3.
    assert.equal(withLuhnDigit('7992739871'), '79927398713');
  });

  test('rejects wrong lengths, separators and repeated digits', () => {
    assert.equal(luhn(`${'4242'.repeat(3)}4243`), false);
    assert.equal(luhn('42424242424'), false, 'too short');
    assert.equal(luhn('4'.repeat(20)), false, 'too long');
    assert.equal(luhn('0'.repeat(16)), false, 'all zeros passes the sum but is not a card');
    assert.equal(luhn('4242.4242.4242.4242'), false);
    assert.equal(luhn('4242a4242424242'), false);
  });
});

describe('iban-mod97', () => {
  test('accepts the registry example IBANs, compact or grouped', () => {
    assert.equal(ibanMod97(['DE89', '3704', '0044', '0532', '0130', '00'].join(' ')), true);
    assert.equal(ibanMod97(['GB82', 'WEST', '1234', '5698', '7654', '32'].join('')), true);
    assert.equal(ibanMod97(['NL91', 'ABNA', '0417', '1643', '00'].join(' ')), true);
    assert.equal(ibanMod97(['BE68', '5390', '0754', '7034'].join(' ')), true);
    assert.equal(ibanMod97(['FR14', '2004', '1010', '0505', '0001', '3M02', '606'].join(' ')), true);
    assert.equal(ibanMod97(['de89', '3704', '0044', '0532', '0130', '00'].join('')), true, 'case is ignored');
  });

  test('accepts generated IBANs for every country in the length table', () => {
    const rng = new Rng('iban');
    for (const country of Object.keys(IBAN_LENGTHS)) {
      assert.equal(ibanMod97(ibanFor(rng, country)), true, country);
      assert.equal(ibanMod97(ibanFor(rng, country, false)), false, `${country} with wrong check digits`);
    }
  });

  test('rejects unknown countries, wrong lengths and bad characters', () => {
    assert.equal(ibanMod97(['DE89', '3704', '0044', '0532', '0130', '01'].join('')), false, 'check fails');
    assert.equal(ibanMod97(['DE89', '3704', '0044', '0532', '0130', '000'].join('')), false, 'one digit too long');
    assert.equal(ibanMod97(['ZZ89', '3704', '0044', '0532', '0130', '00'].join('')), false, 'no such country');
    assert.equal(ibanMod97(['DE89', '3704', '0044', '0532', '0130', '0-'].join('')), false);
    assert.equal(ibanMod97('DE89'), false);
    assert.equal(ibanMod97(''), false);
  });
});

describe('github-crc32 and npm-crc32', () => {
  test('zlib.crc32 is the IEEE CRC-32 (check value of "123456789")', () => {
    assert.equal(crc32('123456789'), 0xcbf43926);
  });

  test('encodes the checksum in base62 (0-9A-Za-z), left-padded to six', () => {
    assert.equal(base62Checksum(0), '000000');
    assert.equal(base62Checksum(61), '00000z');
    assert.equal(base62Checksum(62), '000010');
    assert.equal(base62Checksum(0xffffffff), '4gfFC3');
    assert.equal(base62Checksum(0xcbf43926), '3jZRME');
    assert.equal(tokenChecksum('123456789'), '3jZRME');
  });

  test('accepts tokens whose last six characters are the checksum of the 30 before them', () => {
    const rng = new Rng('github');
    for (const prefix of ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_']) {
      const token = checksummedToken(rng, prefix);
      assert.equal(githubCrc32(token), true, prefix);
      assert.equal(githubCrc32(token.slice(4)), true, `${prefix} without the prefix`);
    }
    const npm = checksummedToken(rng, 'npm_');
    assert.equal(npmCrc32(npm), true);
    assert.equal(npmCrc32(npm.slice(4)), true);
  });

  test('rejects a changed character, a wrong length or a foreign prefix', () => {
    const rng = new Rng('github-bad');
    const token = checksummedToken(rng, 'ghp_');
    const flipped = `${token.slice(0, 10)}${token.charAt(10) === 'a' ? 'b' : 'a'}${token.slice(11)}`;
    assert.equal(githubCrc32(flipped), false);
    assert.equal(githubCrc32(token.slice(0, -1)), false);
    assert.equal(githubCrc32(`${token}0`), false);
    assert.equal(githubCrc32(`ghx_${token.slice(4)}`), false);
    assert.equal(githubCrc32(`ghp_${'x'.repeat(36)}`), false);
    assert.equal(npmCrc32(token), false, 'a GitHub prefix is not an npm token');
    assert.equal(npmCrc32(`npm_${rng.string(ALNUM, 36)}`), false);
  });
});

describe('jwt', () => {
  test('accepts header.payload.signature with a JSON header that names alg', () => {
    const rng = new Rng('jwt');
    assert.equal(jwt(makeJwt(rng)), true);
    assert.equal(jwt(makeJwt(rng, { alg: 'RS256', kid: 'k1' })), true);
    assert.equal(jwt(`${b64url({ alg: 'none' })}.${b64url({ sub: '1' })}.`), true, 'unsigned tokens still carry claims');
  });

  test('rejects tokens without alg, with non-object parts or with the wrong shape', () => {
    const rng = new Rng('jwt-bad');
    const sig = rng.string(B64URL, 43);
    assert.equal(jwt(`${b64url({ typ: 'JWT' })}.${b64url({ sub: '1' })}.${sig}`), false, 'no alg');
    assert.equal(jwt(`${b64url({ alg: 1 })}.${b64url({ sub: '1' })}.${sig}`), false, 'alg not a string');
    assert.equal(jwt(`${b64url({ alg: 'HS256' })}.${b64url([1, 2])}.${sig}`), false, 'payload is an array');
    assert.equal(jwt(`${b64url({ alg: 'HS256' })}.${b64url('null')}.${sig}`), false, 'payload is null');
    assert.equal(jwt(`${b64url({ alg: 'HS256' })}.${b64url('not json')}.${sig}`), false);
    assert.equal(jwt(`${b64url({ alg: 'HS256' })}.${b64url({ sub: '1' })}`), false, 'two segments');
    assert.equal(jwt(`${b64url({ alg: 'HS256' })}.${b64url({ sub: '1' })}.${sig}.${sig}`), false, 'four segments (JWE has five)');
    assert.equal(jwt(`${b64url({ alg: 'HS256' })}.${b64url({ sub: '1' })}.a+b`), false, 'signature not base64url');
    assert.equal(jwt(`${b64url({ alg: 'HS256' })}a.${b64url({ sub: '1' })}.${sig}`), false, 'impossible base64 length');
  });
});

describe('us-ssn', () => {
  test('accepts valid area/group/serial with or without separators', () => {
    assert.equal(usSsn(['123', '45', '6780'].join('-')), true);
    assert.equal(usSsn(['665', '01', '0001'].join(' ')), true);
    assert.equal(usSsn(['899', '99', '9999'].join('')), true);
  });

  test('rejects impossible and void numbers', () => {
    for (const bad of ['000-12-3456', '666-12-3456', '900-12-3456', '999-99-9999', '123-00-4567', '123-45-0000', '078-05-1120', '219-09-9999', '123-45-6789', '111-22-3333', '222-22-2222', '12-345-6789', '1234-56-789', '123-45-678', 'abc-de-fghi']) {
      assert.equal(usSsn(bad), false, bad);
    }
  });
});

describe('phone', () => {
  test('accepts E.164 and common national formats', () => {
    for (const good of ['+14155550123', '+1 (415) 555-0123', '+44 20 7946 0958', '+33 6 12 34 56 78', '(555) 123-4567', '555-123-4567', '555.123.4567', '020 7946 0958', '06 12 34 56 78', '030-1234567']) {
      assert.equal(phone(good), true, good);
    }
  });

  test('rejects dates, IP addresses, versions, repeated digits and wrong lengths', () => {
    for (const bad of ['2024-05-01', '2024-05-01 10', '01-05-2024', '01.05.2024', '192.168.100.200', '10.0.0.1', '1.22.333.4444', '555-555-5555', '12345', '+1234', '1234567890123456', '5551234567', '555 123 4567x', '09 2007 17', '02111-1307']) {
      assert.equal(phone(bad), false, bad);
    }
  });
});
