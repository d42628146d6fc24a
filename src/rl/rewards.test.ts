import { test } from 'node:test';
import assert from 'node:assert/strict';
import { f1Reward, emReward, coverEmReward, answerReward, rewardByName, isWellFormed, withFormatPenalty } from './rewards';
import { extractAnswer } from '../agent/actions';
import { policyPrompt, INVALID_ACTION_MESSAGE } from '../agent/template';
import { informationBlock } from '../agent/observation';

const GOLD = ['Wilhelm Conrad Röntgen', 'Röntgen'];
const trajectory = (answer: string) =>
  '<think>need to look it up</think>\n<search>first nobel prize physics</search>' +
  informationBlock('Doc 1: The first Nobel Prize in Physics went to Wilhelm Röntgen.') +
  `<think>found it</think>\n<answer>${answer}</answer>`;

test('f1Reward scores the final answer by token F1 (hand-computed)', () => {
  assert.equal(f1Reward(trajectory('Wilhelm Conrad Röntgen'), GOLD), 1);
  // "Wilhelm Röntgen" vs "wilhelm conrad röntgen": overlap 2, P = 1, R = 2/3 ⇒ F1 = 0.8; vs "röntgen": P = 1/2, R = 1 ⇒ 2/3.
  assert.ok(Math.abs(f1Reward(trajectory('Wilhelm Röntgen'), GOLD) - 0.8) < 1e-12);
  assert.equal(f1Reward(trajectory('Marie Curie'), GOLD), 0);
});

test('EM and cover-EM rewards', () => {
  assert.equal(emReward(trajectory('the Röntgen'), GOLD), 1);
  assert.equal(emReward(trajectory('Wilhelm Röntgen'), GOLD), 0);
  assert.equal(coverEmReward(trajectory('Wilhelm Röntgen'), GOLD), 1);
  assert.equal(coverEmReward(trajectory('Wilhelm'), GOLD), 0);
});

test('no answer ⇒ reward 0; the ZeroSearch full-text variant scores "Beijing"', () => {
  const silent = '<think>hmm</think><search>q</search>' + informationBlock('Doc 1: x');
  assert.equal(f1Reward(silent, GOLD), 0);
  const zsF1 = answerReward((p, g) => (p === 'Beijing' && g[0] === 'Beijing' ? 1 : 0), extractAnswer);
  assert.equal(zsF1(policyPrompt('capital of china') + silent, ['Beijing']), 1);
  assert.equal(f1Reward(silent, ['Beijing']), 0);
});

test('rewardByName and bad inputs', () => {
  assert.equal(rewardByName('f1'), f1Reward);
  assert.equal(rewardByName('cover-em'), coverEmReward);
  assert.throws(() => rewardByName('bleu'), /unknown name 'bleu'/);
  assert.throws(() => f1Reward(undefined as unknown as string, GOLD), /responseText/);
  assert.throws(() => f1Reward(trajectory('x'), []), /golds/);
});

test('isWellFormed', () => {
  assert.equal(isWellFormed(trajectory('Röntgen')), true);
  assert.equal(isWellFormed('<think>a</think><answer>b</answer>\n'), true);
  assert.equal(isWellFormed('<think>a</think>'), false, 'no answer');
  assert.equal(isWellFormed('<think>a<search>q</search></think><answer>b</answer>'), false, 'nested');
  assert.equal(isWellFormed('<think>a</think><answer>b</answer> trailing'), false, 'text after answer');
  assert.equal(isWellFormed('<think>a<answer>b</answer>'), false, 'unclosed think');
  assert.equal(isWellFormed('oops' + INVALID_ACTION_MESSAGE + '<answer>b</answer>'), false, 'invalid-action turn');
});

test('withFormatPenalty subtracts only for ill-formed responses', () => {
  const r = withFormatPenalty(f1Reward, { penalty: 0.25 });
  assert.equal(r(trajectory('Röntgen'), GOLD), 1);
  assert.equal(r(trajectory('Röntgen') + ' extra', GOLD), 0.75);
  assert.equal(r('no tags', GOLD), -0.25);
  assert.throws(() => withFormatPenalty(f1Reward, { penalty: -1 }), /penalty/);
});
