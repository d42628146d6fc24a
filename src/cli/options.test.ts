import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseNumber } from './options';

test('parseNumber accepts what the flag allows and names the flag otherwise', () => {
  assert.equal(parseNumber('--lr', '1e-4'), 1e-4);
  assert.equal(parseNumber('--port', '0', { integer: true, min: 0 }), 0);
  assert.throws(() => parseNumber('--port', '-1', { integer: true, min: 0 }), /--port: expected an integer ≥ 0, got "-1"/);
  assert.throws(() => parseNumber('--steps', '2.5', { integer: true }), /--steps: expected an integer/);
  assert.throws(() => parseNumber('--lr', 'abc'), /--lr: expected a number, got "abc"/);
  assert.throws(() => parseNumber('--lr', ' '), /--lr: expected a number/);
});
