import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WordTokenizer, WORD_SPECIAL_TOKENS, saveWordTokenizer, loadWordTokenizer } from './word-tokenizer';
import { Rng } from '../util';

const CORPUS = [
  "Zorvath Quell was born in Mirabel. Mirabel is the capital of Ostrava's north (see 1.5 km).",
  'Zorvath Quell works for Tellicorp, a well-known company founded in 1987!',
  '<search> zorvath quell born </search>\n<information>Doc 1: Zorvath Quell was born in Mirabel.</information>\n<answer> Mirabel </answer>',
  'Ünïcödé names: Ærøy and Çelik; “quoted” — dash.',
];

test('special tokens and newline are single ids, specials first in the fixed order', () => {
  const tok = WordTokenizer.fromCorpus(CORPUS);
  WORD_SPECIAL_TOKENS.forEach((s, i) => {
    assert.equal(tok.tokenToId(s), i);
    assert.deepEqual(tok.encode(s), [i]);
    assert.equal(tok.specialTokens[s], i);
  });
  assert.equal(tok.padId, 0);
  assert.equal(tok.eosId, 1);
  assert.deepEqual(tok.encode('a\nb').length, 3);
  assert.equal(tok.encode('a\nb')[1], tok.newlineId);
  // Tags glued to words still split off as one id each.
  assert.deepEqual(tok.split('<answer>Mirabel</answer>'), ['<answer>', 'mirabel', '</answer>']);
  assert.deepEqual(tok.split('<SEARCH>Quell</SEARCH>'), ['<search>', 'quell', '</search>']);
});

test('pieces: case-folded words, numbers, hyphenated words, clitics, punctuation', () => {
  const tok = WordTokenizer.fromCorpus(CORPUS);
  assert.deepEqual(tok.split("Ostrava's 1.5 km, well-known (1987)!"), ['ostrava', "'s", '1.5', 'km', ',', 'well-known', '(', '1987', ')', '!']);
  assert.deepEqual(tok.split('Ærøy  Çelik'), ['ærøy', 'çelik']);
  // NFD input is composed (NFC) first, so "é" written as e + U+0301 is the same word.
  assert.deepEqual(tok.encode('Ünïcödé'), tok.encode('Ünïcödé'.normalize('NFD')));
});

test('decode(encode(x)) round-trips canonical text; encode(decode(ids)) gives the ids back', () => {
  const tok = WordTokenizer.fromCorpus(CORPUS);
  const canonical = [
    "zorvath quell was born in mirabel. mirabel is the capital of ostrava's north (see 1.5 km).",
    '<search> zorvath quell born </search>\n<information> doc 1: zorvath quell was born in mirabel. </information>\n<answer> mirabel </answer>',
    'ünïcödé names: ærøy and çelik; “ quoted ” — dash.',
  ];
  for (const text of canonical) {
    assert.ok(!tok.encode(text).includes(tok.unkId), text);
    assert.equal(tok.decode(tok.encode(text)), text);
  }
  // Upper case and spacing are normalised away.
  assert.equal(tok.normalize('Zorvath   Quell ,born  in Mirabel .'), 'zorvath quell, born in mirabel.');
  // Any id sequence without <unk> survives decode → encode, as long as clitics follow a word.
  const isWord = (t: string) => /[\p{L}\p{N}_]$/u.test(t) && !t.endsWith('>');
  const rng = new Rng(7);
  for (let i = 0; i < 500; i++) {
    const ids: number[] = [];
    const n = 1 + rng.int(30);
    while (ids.length < n) {
      const id = rng.int(tok.vocabSize);
      const t = tok.idToToken(id)!;
      const prev = ids.length ? tok.idToToken(ids[ids.length - 1])! : '';
      if (id === tok.unkId || (/^['’]/.test(t) && t.length > 1 && !isWord(prev))) continue;
      ids.push(id);
    }
    assert.deepEqual(tok.encode(tok.decode(ids)), ids, JSON.stringify(tok.decode(ids)));
  }
  // Random gluing of vocabulary pieces: the canonical form is a fixed point whenever no word is unknown.
  const pieces = tok.toJSON().vocab.filter((t) => t !== '<unk>');
  let checked = 0;
  for (let i = 0; i < 500; i++) {
    let s = '';
    for (let j = 1 + rng.int(12); j > 0; j--) s += rng.choice(pieces) + rng.choice(['', ' ', '  ', '\n']);
    if (tok.encode(s).includes(tok.unkId)) continue;
    const once = tok.normalize(s);
    assert.equal(tok.normalize(once), once, JSON.stringify(s));
    checked++;
  }
  assert.ok(checked > 100, `only ${checked} random strings without unknown words`);
});

test('unknown words map to <unk>; minCount drops rare words; skipSpecialTokens', () => {
  const tok = WordTokenizer.fromCorpus(CORPUS, { minCount: 2 });
  const ids = tok.encode('Zorvath Tellicorp blorft');
  assert.equal(ids[0], tok.tokenToId('zorvath'));
  assert.equal(ids[1], tok.unkId); // "tellicorp" occurs once, below minCount 2
  assert.equal(ids[2], tok.unkId);
  assert.equal(tok.decode(ids), 'zorvath <unk> <unk>');
  assert.equal(tok.decode(tok.encode('<answer> zorvath </answer><eos>'), { skipSpecialTokens: true }), 'zorvath');
  // Frequent words get the smaller ids: "mirabel" (5 times) comes before "zorvath" (4 times).
  assert.ok(tok.tokenToId('mirabel')! < tok.tokenToId('zorvath')!);
  assert.throws(() => tok.decode([tok.vocabSize]), /outside the vocabulary/);
});

test('extra special tokens and building the same vocabulary twice', () => {
  const a = WordTokenizer.fromCorpus(CORPUS, { extraSpecialTokens: ['<useful>', '<noisy>'] });
  const b = WordTokenizer.fromCorpus(CORPUS, { extraSpecialTokens: ['<useful>', '<noisy>'] });
  assert.deepEqual(a.toJSON(), b.toJSON());
  assert.deepEqual(a.encode('<noisy>Quell'), [WORD_SPECIAL_TOKENS.length + 1, a.tokenToId('quell')]);
  assert.throws(() => WordTokenizer.fromCorpus(CORPUS, { extraSpecialTokens: ['<Useful>'] }), /lower-case/);
  assert.throws(() => WordTokenizer.fromCorpus(CORPUS, { extraSpecialTokens: ['<think>'] }), /listed twice/);
  assert.throws(() => WordTokenizer.fromCorpus(CORPUS, { minCount: 0 }), /minCount/);
});

test('JSON save/load round trip, and clear errors for bad files', () => {
  const tok = WordTokenizer.fromCorpus(CORPUS, { extraSpecialTokens: ['<doc>'] });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zs-wordtok-'));
  try {
    const file = saveWordTokenizer(tok, dir);
    assert.equal(path.basename(file), 'word-tokenizer.json');
    const back = loadWordTokenizer(dir);
    assert.deepEqual(back.toJSON(), tok.toJSON());
    const text = CORPUS.join('\n');
    assert.deepEqual(back.encode(text), tok.encode(text));
    assert.equal(back.decode(back.encode(text)), tok.decode(tok.encode(text)));

    assert.throws(() => loadWordTokenizer(path.join(dir, 'missing.json')), /missing\.json: word tokenizer file not found/);
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify({ type: 'word', version: 1, specials: ['<pad>'], vocab: ['<pad>'] }));
    assert.throws(() => loadWordTokenizer(bad), /bad\.json: WordTokenizer: special token 1 must be <eos>/);
    fs.writeFileSync(bad, JSON.stringify({ ...tok.toJSON(), vocab: [...tok.toJSON().vocab, 'mirabel'] }));
    assert.throws(() => loadWordTokenizer(bad), /"mirabel" appears twice/);
    fs.writeFileSync(bad, '{"type": "bpe"}');
    assert.throws(() => loadWordTokenizer(bad), /bad\.json: expected \{type: "word"/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
