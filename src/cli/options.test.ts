import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { numberFlag, parseNumber, secretFlag } from './options';

test('parseNumber accepts what the flag allows and names the flag otherwise', () => {
  assert.equal(parseNumber('--lr', '1e-4'), 1e-4);
  assert.equal(parseNumber('--port', '0', { integer: true, min: 0 }), 0);
  assert.equal(parseNumber('--seed', '-3', { integer: true }), -3);
  assert.throws(() => parseNumber('--port', '-1', { integer: true, min: 0 }), /--port: expected an integer ≥ 0, got "-1"/);
  assert.throws(() => parseNumber('--steps', '2.5', { integer: true }), /--steps: expected an integer/);
  assert.throws(() => parseNumber('--limit', '1e1', { integer: true, min: 1 }), /--limit: expected an integer ≥ 1, got "1e1"/);
  assert.throws(() => parseNumber('--seed', 'abc', { integer: true }), /--seed: expected an integer, got "abc"/);
  assert.throws(() => parseNumber('--lr', 'abc'), /--lr: expected a number, got "abc"/);
  assert.throws(() => parseNumber('--lr', 'Infinity'), /--lr: expected a number/);
  assert.throws(() => parseNumber('--lr', ' '), /--lr: expected a number/);
  assert.throws(() => parseNumber('--noise', '1.5', { min: 0, max: 1 }), /--noise: expected a number from 0 to 1, got "1.5"/);
  assert.equal(numberFlag('--topk', { integer: true, min: 1 })('5'), 5);
  assert.throws(() => numberFlag('--topk', { integer: true, min: 1 })('0'), /--topk: expected an integer ≥ 1/);
});

test('a secret flag wins over the environment but warns that ps shows it', () => {
  const write = process.stderr.write.bind(process.stderr);
  let err = '';
  process.stderr.write = ((chunk: string) => ((err += chunk), true)) as typeof process.stderr.write;
  process.env.ZS_TEST_KEY = 'from-env';
  try {
    assert.equal(secretFlag('--api-key', undefined, 'ZS_TEST_KEY'), 'from-env');
    assert.equal(err, '');
    assert.equal(secretFlag('--api-key', 'from-flag', 'ZS_TEST_KEY'), 'from-flag');
    assert.match(err, /--api-key is visible to other users in `ps`.*prefer the environment variable ZS_TEST_KEY/);
  } finally {
    process.stderr.write = write;
    delete process.env.ZS_TEST_KEY;
  }
});
