import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAction, cutAtAction, extractAnswer, extractResponseAnswer } from './actions';
import { policyPrompt } from './template';
import { formatDocuments, informationBlock, observationFor, NO_INFORMATION } from './observation';
import { INVALID_ACTION_MESSAGE } from './template';

test('parseAction: well-formed search and answer, content trimmed', () => {
  assert.deepEqual(parseAction('<think>hmm</think>\n<search>  capital of France \n</search>'), { kind: 'search', content: 'capital of France' });
  assert.deepEqual(parseAction('<think>ok</think><answer> Paris </answer>'), { kind: 'answer', content: 'Paris' });
});

test('parseAction: malformed text is invalid', () => {
  for (const t of [
    '',
    'just text',
    '<search>unclosed',
    '<answer>unclosed',
    '<search>q</answer>',
    '</search>q<search>',
    '<Search>q</Search>',
    '<search >q</search>',
  ]) {
    assert.deepEqual(parseAction(t), { kind: 'invalid', content: '' }, JSON.stringify(t));
  }
});

test('parseAction: when both tags appear, the one that starts first wins', () => {
  assert.equal(parseAction('<search>a</search><answer>b</answer>').kind, 'search');
  assert.equal(parseAction('<answer>b</answer><search>a</search>').kind, 'answer');
  // An unclosed earlier tag does not block a later complete one.
  assert.deepEqual(parseAction('<answer>oops <search>q</search>'), { kind: 'search', content: 'q' });
});

test('parseAction: nesting is read like Python re (lazy, leftmost)', () => {
  assert.deepEqual(parseAction('<answer>a <search>q</search></answer>'), { kind: 'answer', content: 'a <search>q</search>' });
  assert.deepEqual(parseAction('<search>a <search>b</search> c</search>'), { kind: 'search', content: 'a <search>b' });
});

test('parseAction: empty content and multi-line content', () => {
  assert.deepEqual(parseAction('<search></search>'), { kind: 'search', content: '' });
  assert.deepEqual(parseAction('<answer>   \n </answer>'), { kind: 'answer', content: '' });
  assert.deepEqual(parseAction('<search>\nline one\nline two\n</search>'), { kind: 'search', content: 'line one\nline two' });
});

test('cutAtAction: cut after first </search>, else first </answer>, else unchanged', () => {
  assert.equal(cutAtAction('<search>q</search> trailing <information>fake</information>'), '<search>q</search>');
  assert.equal(cutAtAction('<search>a</search><search>b</search>'), '<search>a</search>');
  assert.equal(cutAtAction('<answer>x</answer> more <answer>y</answer>'), '<answer>x</answer>');
  assert.equal(cutAtAction('no tags at all'), 'no tags at all');
  assert.equal(cutAtAction('<search>unclosed'), '<search>unclosed');
  // Quirk from the code: </search> wins even if </answer> came first.
  const t = '<answer>x</answer> then <search>q</search> tail';
  assert.equal(cutAtAction(t), '<answer>x</answer> then <search>q</search>');
  assert.equal(parseAction(cutAtAction(t)).kind, 'answer');
});

test('extractAnswer: ZeroSearch extract_solution semantics on full text', () => {
  const prompt = policyPrompt('who wrote hamlet');
  assert.equal(extractAnswer(prompt + '<think>x</think><answer> William Shakespeare </answer>'), 'William Shakespeare');
  // Never answered: the prompt's own example is the "answer".
  assert.equal(extractAnswer(prompt + '<think>x</think><search>q</search>'), 'Beijing');
  // Without the prompt, one answer is not enough (≤ 1 match ⇒ null).
  assert.equal(extractAnswer('<answer>a</answer>'), null);
  assert.equal(extractAnswer('<answer>a</answer><answer>\n b \n</answer>'), 'b');
  assert.equal(extractAnswer('nothing'), null);
});

test('extractResponseAnswer: the sane variant looks only at the response', () => {
  assert.equal(extractResponseAnswer('<answer> a </answer>'), 'a');
  assert.equal(extractResponseAnswer('<answer>a</answer> <answer>b</answer>'), 'b');
  assert.equal(extractResponseAnswer('<search>q</search>'), null);
  assert.equal(extractResponseAnswer('<answer>unclosed'), null);
});

test('observations: information block, invalid message, answer ends the episode', () => {
  assert.equal(informationBlock('  Doc 1: a\nDoc 2: b \n'), '\n\n<information>Doc 1: a\nDoc 2: b</information>\n\n');
  assert.deepEqual(observationFor({ kind: 'answer', content: 'x' }), { observation: '', done: true });
  assert.deepEqual(observationFor({ kind: 'invalid', content: '' }), { observation: INVALID_ACTION_MESSAGE, done: false });
  assert.deepEqual(observationFor({ kind: 'search', content: 'q' }, NO_INFORMATION), {
    observation: '\n\n<information>No information available</information>\n\n',
    done: false,
  });
  assert.throws(() => observationFor({ kind: 'search', content: 'q' }), /docsText/);
});

test('formatDocuments: ZeroSearch and Search-R1 renderings', () => {
  const docs = [{ title: 'Paris', text: ' is the capital.' }, { text: 'Second doc.' }];
  assert.equal(formatDocuments(docs), 'Doc 1: Paris is the capital.\nDoc 2: Second doc.');
  assert.equal(formatDocuments(docs, 'search-r1'), 'Doc 1(Title: Paris)  is the capital.\nDoc 2(Title: ) Second doc.\n');
  assert.throws(() => formatDocuments([{ title: 't' } as never]), /docs\[0\]\.text/);
});
