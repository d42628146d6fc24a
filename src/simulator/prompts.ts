/**
 * The simulator's prompts (spec §4.2 and §4.3).
 *
 * `sftPrompt` is the fine-tuned simulator's template, the paper's Table 2 line by line: role, task with the
 * useful/noisy keyword, the user's question and its answer (`golden_answers[0]`), length and quality
 * instruction, then `Query: …` and the label line `Useful Output:` / `Noisy Output:`. The released
 * ZeroSearch simulators were tuned on this wording, so remote mode can drive them unchanged.
 *
 * `promptOnlyPrompt` is the untuned simulator of Table 4's "Prompt-*" rows: the same role line, a one-shot
 * demonstration for the query "George Washington Bridge opening year" (useful demo: it states the opening
 * date; noisy demo: related topics that never give it), and — in the noisy variant only — no question or
 * answer. The demo documents below are the kit's own wording of what §4.3 describes.
 */

export type DocQuality = 'useful' | 'noisy';

export interface SimulatorQuery {
  /** The policy's search query. */
  query: string;
  /** The question the policy is answering, and its gold answer (golden_answers[0]); both go into the SFT prompt. */
  question: string;
  answer: string;
}

export const SIMULATOR_TOPK = 5;
const TOPK_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];

function countWord(topk: number): string {
  const word = TOPK_WORDS[topk];
  if (!word) throw new Error(`simulator prompt: topk must be an integer from 1 to 10, got ${topk}`);
  return word;
}

/** The label line that ends every prompt; the documents follow it. */
export function outputLabel(quality: DocQuality): string {
  return quality === 'useful' ? 'Useful Output:' : 'Noisy Output:';
}

/** Spec §4.2: the fine-tuned simulator's prompt (ends with the label line and a newline). */
export function sftPrompt(q: SimulatorQuery, quality: DocQuality, topk = SIMULATOR_TOPK): string {
  return [
    'You are the Google search engine.',
    `Given a query, you need to generate ${countWord(topk)} ${quality} documents for the query.`,
    '',
    `The user is trying to answer the question: "${q.question}" whose answer is ${q.answer}.`,
    `Each document should contain about 30 words, and these documents should contain ${quality} information.`,
    '',
    `Query: ${q.query}`,
    outputLabel(quality),
    '',
  ].join('\n');
}

const DEMO_QUERY = 'George Washington Bridge opening year';
const DEMO_DOCS: Record<DocQuality, readonly string[]> = {
  useful: [
    'The George Washington Bridge, which links New York City with New Jersey across the Hudson River, was opened to traffic on October 25, 1931, after four years of building.',
    'Opened in 1931, the George Washington Bridge had the longest main suspension span in the world at the time, about 3,500 feet between its two steel towers.',
    'First called the Hudson River Bridge, the George Washington Bridge opened on October 25, 1931 and was named after the first president of the United States.',
    'A lower deck was added to the George Washington Bridge in 1962, more than thirty years after its opening in 1931, to carry the growing traffic.',
    'Engineer Othmar Ammann designed the George Washington Bridge, which opened in October 1931 and is today one of the busiest bridges in the world.',
  ],
  noisy: [
    'Building the George Washington Bridge was a large project for New York, and the work faced many problems, including rising costs and disputes with workers.',
    'People sometimes confuse the George Washington Bridge with the older Brooklyn Bridge, and the two structures have quite different histories and designs.',
    'The choice of the name George Washington Bridge honoured the first president of the United States, and the naming was debated by several committees.',
    'Tolls on the George Washington Bridge have risen many times, and traffic jams and their effect on nearby towns remain common topics in local politics.',
    'The look of the George Washington Bridge, with its open steel towers, was argued over by architects who wanted to cover the towers in stone.',
  ],
};

function demo(quality: DocQuality, topk: number): string {
  const docs = Array.from({ length: topk }, (_, i) => `Doc ${i + 1}: ${DEMO_DOCS[quality][i % DEMO_DOCS[quality].length]}`);
  return [`Query: ${DEMO_QUERY}`, outputLabel(quality), ...docs].join('\n');
}

/** Spec §4.3: the prompt-only simulator (one-shot demo; the noisy variant has no question or answer). */
export function promptOnlyPrompt(q: SimulatorQuery, quality: DocQuality, topk = SIMULATOR_TOPK): string {
  const n = countWord(topk);
  const head = [
    'You are the Google search engine.',
    quality === 'useful'
      ? `Given a query, you need to imitate the style of the following demos and generate ${n} useful documents for the query.`
      : `Given a query, you need to imitate the style of the following demos and generate ${n} related but noisy documents for the query.`,
    '',
    'Here is an example:',
    demo(quality, topk),
    '',
  ];
  const task =
    quality === 'useful'
      ? [
          `The user is trying to answer the question: "${q.question}" whose answer is ${q.answer}.`,
          'You should generate documents that can help the user find the answer.',
          'Each document should contain about 30 words.',
        ]
      : ['Each document should contain about 30 words, and these documents should contain related but noisy information.'];
  return [
    ...head,
    ...task,
    'You must directly output the English documents and not output any other texts.',
    '',
    `Query: ${q.query}`,
    outputLabel(quality),
    '',
  ].join('\n');
}

/** The target text the SFT simulator learns to write: `Doc i: …` lines (a document with a title renders `title text`). */
export function renderTarget(docs: ReadonlyArray<{ title?: string; text: string }>): string {
  return docs.map((d, i) => `Doc ${i + 1}: ${d.title ? `${d.title} ${d.text}` : d.text}`).join('\n');
}

/**
 * Every fixed text the simulator's prompts use, so a word-level vocabulary built over the world's corpus
 * plus these texts never maps a template word to <unk>.
 */
export function promptVocabularyTexts(topk = SIMULATOR_TOPK): string[] {
  const q: SimulatorQuery = { query: 'q', question: 'q', answer: 'a' };
  return (['useful', 'noisy'] as const).flatMap((quality) => [
    sftPrompt(q, quality, topk),
    promptOnlyPrompt(q, quality, topk),
    renderTarget([{ text: 'x' }, { text: 'x' }, { text: 'x' }, { text: 'x' }, { text: 'x' }, { text: 'x' }]),
  ]);
}
