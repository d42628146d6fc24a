import { test } from 'node:test';
import assert from 'node:assert/strict';
import { qwen25Tokenizer, WordTokenizer } from '../text';
import { llama3Tokenizer } from '../text/llama3.testutil';
import { policyPromptFormat } from './policy-template';
import { policyPrompt } from './template';

const Q = 'who got the first nobel prize in physics';

test('auto on the Qwen2.5 tokenizer is ChatML with its default system message and stops at <|im_end|>', () => {
  const tk = qwen25Tokenizer();
  const f = policyPromptFormat(tk, 'auto');
  assert.equal(f.template, 'qwen-chat');
  assert.equal(
    f.prompt(Q),
    `<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\n${policyPrompt(Q)}<|im_end|>\n<|im_start|>assistant\n`,
  );
  assert.deepEqual(f.stopTokenIds, [tk.tokenToId('<|im_end|>')]);
  // Qwen adds no BOS: the base template is the raw text.
  assert.equal(policyPromptFormat(tk, 'base').prompt(Q), policyPrompt(Q));
});

test('auto on the LLaMA-3 tokenizer is the header template, BOS first and encoded as the one bos id, stopping at <|eot_id|>', () => {
  const tk = llama3Tokenizer();
  const f = policyPromptFormat(tk, 'auto');
  assert.equal(f.template, 'llama3-chat');
  const text = f.prompt(Q);
  // The Jinja template trims the content: the template's trailing newline goes.
  assert.equal(
    text,
    `<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n${policyPrompt(Q).trim()}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n`,
  );
  const ids = tk.encode(text);
  assert.equal(ids[0], tk.bosId);
  assert.equal(ids.filter((id) => id === tk.bosId).length, 1);
  assert.deepEqual(f.stopTokenIds, [tk.tokenToId('<|eot_id|>')]);
  // The base template still gets the BOS the tokenizer's post-processor adds, exactly once.
  const base = tk.encode(policyPromptFormat(tk, 'base').prompt(Q));
  assert.deepEqual(base, tk.encode(policyPrompt(Q), { addSpecialTokens: true }));
});

test('a named chat template the tokenizer cannot express is an error naming the flag; a word tokenizer gets base', () => {
  assert.throws(() => policyPromptFormat(qwen25Tokenizer(), 'llama3-chat'), /--template llama3-chat: the tokenizer has no <\|eot_id\|>/);
  assert.throws(() => policyPromptFormat(qwen25Tokenizer(), 'chatml' as never), /--template chatml: expected auto, base, qwen-chat, llama3-chat/);
  const word = WordTokenizer.fromCorpus([policyPrompt(Q)]);
  assert.equal(policyPromptFormat(word, 'auto').template, 'base');
});
