import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { normalizeAnswer, exactMatch, coverExactMatch, f1Score } from './metrics';
import { readJsonl, sharedPath, sharedSkip } from '../util';

const SHARED = sharedPath('data');

test('normalizeAnswer: lower-case, ASCII punctuation, articles, whitespace', () => {
  const table: Array<[string, string]> = [
    ['The  Eiffel Tower.', 'eiffel tower'],
    ['an apple a day', 'apple day'],
    ['A', ''],
    ['the', ''],
    ['', ''],
    ['   ', ''],
    ['theater anthem', 'theater anthem'], // articles only as whole words
    ["St. John's (Newfoundland)", 'st johns newfoundland'],
    ['U.S.A.', 'usa'],
    ['a-the', 'athe'], // punctuation goes first, so "a-the" becomes one word
    ['Hello\tworld\n\u3000again\u00a0x', 'hello world again x'],
    ['Wilhelm Conrad Röntgen', 'wilhelm conrad röntgen'],
    ['ÉCOLE Normale', 'école normale'],
    ['éa a', 'éa'], // é is a word character (Python's Unicode \b), so "éa" keeps its "a"
    ['“The” – Beatles’', '“ ” – beatles’'], // non-ASCII punctuation is kept (and is not a word character), as in SQuAD
    ['東京 the 日本', '東京 日本'],
    ['_the_', ''], // "_" is punctuation, removed before the articles
  ];
  for (const [input, expected] of table) assert.equal(normalizeAnswer(input), expected, JSON.stringify(input));
});

test('exactMatch / coverExactMatch / f1Score on hand-checked cases', () => {
  assert.equal(exactMatch('The Beatles', ['beatles']), 1);
  assert.equal(exactMatch('Beatles!', ['Rolling Stones', 'The Beatles']), 1);
  assert.equal(exactMatch('the beatles band', ['beatles']), 0);
  assert.equal(exactMatch('', ['beatles']), 0);
  assert.equal(exactMatch('', ['The']), 1); // both normalise to ""
  assert.equal(exactMatch('Paris', 'paris'), 1); // a single gold string is accepted

  assert.equal(coverExactMatch('the beatles band', ['beatles']), 1);
  assert.equal(coverExactMatch('martial arts', ['art']), 1); // plain substring, as ZeroSearch's code
  assert.equal(coverExactMatch('beatles', ['the beatles band']), 0);
  assert.equal(coverExactMatch('', ['beatles']), 0);
  assert.equal(coverExactMatch('anything', ['The']), 1); // "" is in every string

  assert.equal(f1Score('', ['beatles']), 0);
  assert.equal(f1Score('beatles', ['beatles']), 1);
  assert.equal(f1Score('cat dog', ['dog']), (2 * 0.5 * 1) / 1.5);
  // Counter intersection: "a a b" vs "a b b" (after article removal "a" is gone, so use other words)
  assert.equal(f1Score('x x y', ['x y y']), 2 / 3);
  assert.equal(f1Score('x x x', ['x']), 0.5); // precision 1/3, recall 1
  assert.equal(f1Score('red car', ['blue bike', 'red bike', 'red car!']), 1); // max over golds
  assert.equal(f1Score('The', ['the']), 0); // no tokens, no overlap
});

test('metrics reject missing golds with a clear error', () => {
  assert.throws(() => exactMatch('x', []), /exactMatch: golds must be .*non-empty/);
  assert.throws(() => f1Score('x', [3 as unknown as string]), /f1Score: every gold answer must be a string/);
  assert.throws(() => exactMatch(null as unknown as string, ['x']), /normalizeAnswer: expected a string, got null/);
});

/** The SQuAD v1.1 definitions, as in ZeroSearch's qa_em.py, run by python3 as an independent reference. */
const PYTHON_REFERENCE = `
import json, re, string, sys
from collections import Counter
def normalize_answer(s):
    def remove_articles(text): return re.sub(r"\\b(a|an|the)\\b", " ", text)
    def white_space_fix(text): return " ".join(text.split())
    def remove_punc(text):
        exclude = set(string.punctuation)
        return "".join(ch for ch in text if ch not in exclude)
    return white_space_fix(remove_articles(remove_punc(s.lower())))
def f1(pred, gold):
    p, g = normalize_answer(pred).split(), normalize_answer(gold).split()
    same = sum((Counter(p) & Counter(g)).values())
    if same == 0: return 0
    pr, rc = same / len(p), same / len(g)
    return 2 * pr * rc / (pr + rc)
out = []
for case in json.load(sys.stdin):
    pred, golds = case["pred"], case["golds"]
    out.append({
        "norm": normalize_answer(pred),
        "em": max(int(normalize_answer(g) == normalize_answer(pred)) for g in golds),
        "cover_em": max(int(normalize_answer(g) in normalize_answer(pred)) for g in golds),
        "f1": max(f1(pred, g) for g in golds),
    })
json.dump(out, sys.stdout)
`;

interface QaRow {
  question: string;
  golden_answers: string[];
}

/** Predictions a scorer meets in practice: the gold, decorated golds, wrong answers, longer answers, empty. */
function casesFor(rows: QaRow[]): Array<{ pred: string; golds: string[] }> {
  const cases: Array<{ pred: string; golds: string[] }> = [];
  rows.forEach((row, i) => {
    const golds = row.golden_answers;
    const other = rows[(i + 1) % rows.length].golden_answers[0];
    for (const pred of [
      golds[0],
      `The ${golds[golds.length - 1]}.`,
      golds[0].toUpperCase(),
      row.question,
      other,
      `${golds[0]} and ${other}`,
      `I think it is ${golds[0].split(' ')[0]}, probably`,
      '',
    ])
      cases.push({ pred, golds });
  });
  return cases;
}

function sample(file: string, n: number): QaRow[] {
  const rows = readJsonl<QaRow>(path.join(SHARED, file));
  const unicode = rows.filter((r) => /[^\x00-\x7f]/.test(JSON.stringify(r)));
  return [...rows.slice(0, n), ...unicode.slice(0, n)];
}

test('agreement with the Python SQuAD reference on real NQ, HotpotQA, TriviaQA and Bamboogle rows', { skip: sharedSkip('data') }, () => {
  const rows = [
    ...sample('nq/test.jsonl', 150),
    ...sample('hotpotqa/dev.jsonl', 150),
    ...sample('triviaqa/deepresearcher_sample_512.jsonl', 60),
    ...readJsonl<QaRow>(path.join(SHARED, 'bamboogle/test.jsonl')),
  ];
  const cases = casesFor(rows);
  // Strings chosen to stress Unicode: word boundaries next to accents, Python-only whitespace, CJK, Greek sigma.
  for (const pred of ['éa an ña', 'x\x1cthe\x85y', 'ÅNGSTRÖM the Ωmega', 'ΟΔΥΣΣΕΥΣ', 'Ａ the ｂ', '‘the’ a—an']) {
    cases.push({ pred, golds: ['the ångström', 'a ña'] });
  }
  const python = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const expected = JSON.parse(execFileSync(python, ['-c', PYTHON_REFERENCE], { input: JSON.stringify(cases), maxBuffer: 1 << 28 }).toString());
  assert.equal(expected.length, cases.length);
  let nonTrivial = 0;
  cases.forEach((c, i) => {
    const e = expected[i];
    const label = JSON.stringify(c);
    assert.equal(normalizeAnswer(c.pred), e.norm, label);
    assert.equal(exactMatch(c.pred, c.golds), e.em, label);
    assert.equal(coverExactMatch(c.pred, c.golds), e.cover_em, label);
    assert.ok(Math.abs(f1Score(c.pred, c.golds) - e.f1) < 1e-12, label);
    if (e.f1 > 0 && e.f1 < 1) nonTrivial++;
  });
  assert.ok(cases.length > 5000 && nonTrivial > 500, `${cases.length} cases, ${nonTrivial} with partial F1`);
});
