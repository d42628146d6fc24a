import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { policyPrompt, policyChat, preprocessQuestion, INVALID_ACTION_MESSAGE, POLICY_PROMPT_PREFIX } from './template';
import { extractAnswer } from './actions';
import { sharedPath } from '../util';

// The Search-R1 make_prefix string as one literal (Python's `\` line continuations joined), typed
// independently of the concatenation in template.ts so a lost or doubled space is caught.
const SEARCH_R1_BASE =
  'Answer the given question. You must conduct reasoning inside <think> and </think> first every time you get new information. After reasoning, if you find you lack some knowledge, you can call a search engine by <search> query </search> and it will return the top searched results between <information> and </information>. You can search as many times as your want. If you find no further external knowledge needed, you can directly provide the answer inside <answer> and </answer>, without detailed illustrations. For example, <answer> Beijing </answer>. Question: who got the first nobel prize in physics?\n';

test('policyPrompt reproduces the repo template byte for byte', () => {
  assert.equal(policyPrompt('who got the first nobel prize in physics'), SEARCH_R1_BASE);
});

test('policyChat is a single user message holding the prompt', () => {
  assert.deepEqual(policyChat('who got the first nobel prize in physics'), [{ role: 'user', content: SEARCH_R1_BASE }]);
});

test('template keeps the repo quirks: typo, no comma after </search>, the two literal answer tags', () => {
  assert.ok(POLICY_PROMPT_PREFIX.includes('as many times as your want.'));
  assert.ok(POLICY_PROMPT_PREFIX.includes('<search> query </search> and it will'));
  assert.ok(POLICY_PROMPT_PREFIX.includes('<answer> and </answer>'));
  assert.ok(POLICY_PROMPT_PREFIX.includes('<answer> Beijing </answer>'));
  assert.ok(!POLICY_PROMPT_PREFIX.includes('  '), 'no double spaces');
});

test('question preprocessing: strip, append ? once', () => {
  assert.equal(preprocessQuestion('  who is x \n'), 'who is x?');
  assert.equal(preprocessQuestion('who is x?'), 'who is x?');
  assert.equal(preprocessQuestion(' who is x? '), 'who is x?');
  assert.equal(policyPrompt('q?').endsWith('Question: q?\n'), true);
  assert.throws(() => preprocessQuestion('   '), /question/);
  assert.throws(() => preprocessQuestion(undefined as unknown as string), /question/);
});

test('prompts of real NQ questions end with the question and contain two answer matches', () => {
  const file = sharedPath('data', 'nq', 'test.jsonl');
  const rows = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .slice(0, 50)
    .map((l) => JSON.parse(l));
  for (const row of rows) {
    const p = policyPrompt(row.question);
    assert.ok(p.startsWith(POLICY_PROMPT_PREFIX));
    assert.ok(p.endsWith('?\n'));
    assert.ok(!p.endsWith('??\n'));
    // The prompt alone yields the "Beijing" answer under extract_solution semantics (spec §6.2).
    assert.equal(extractAnswer(p), 'Beijing');
  }
});

test('INVALID_ACTION_MESSAGE is the exact corrective message wrapped in newlines', () => {
  assert.equal(
    INVALID_ACTION_MESSAGE,
    '\nMy previous action is invalid. If I want to search, I should put the query between <search> and </search>. If I want to give the final answer, I should put the answer between <answer> and </answer>. Let me try again.\n',
  );
});
