import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { sharedDir, sharedPath, sharedSkip } from './shared';

test('ZS_SHARED_DIR overrides where the shared folder is', () => {
  const before = process.env.ZS_SHARED_DIR;
  process.env.ZS_SHARED_DIR = '/somewhere/else';
  try {
    assert.equal(sharedDir(), '/somewhere/else');
    assert.equal(sharedPath('data', 'nq', 'test.jsonl'), path.join('/somewhere/else', 'data', 'nq', 'test.jsonl'));
  } finally {
    if (before === undefined) delete process.env.ZS_SHARED_DIR;
    else process.env.ZS_SHARED_DIR = before;
  }
});

test('the shared folder found for this checkout holds the reference spec', { skip: sharedSkip('reference') }, () => {
  assert.ok(fs.existsSync(sharedPath('reference', 'zerosearch-spec.md')), `${sharedPath('reference')} has no zerosearch-spec.md`);
});
