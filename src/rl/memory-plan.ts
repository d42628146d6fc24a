/**
 * What an RL run will hold in memory, computed from the model's config and the trainer's settings before
 * anything is loaded (`zerosearch plan`). Each row is one thing the code keeps, counted as the code keeps it:
 *
 * - resident for the whole run: the policy's weights (with LoRA: the frozen base and the adapters), the KL
 *   reference (a frozen copy of the starting policy; none when β = 0, none with LoRA, whose reference is the
 *   base with the adapters off), AdamW's m and v for every trainable number, and PPO's critic (`gae`), today
 *   a full trainable copy of the policy with its own AdamW state (./critic);
 * - the rollout: one KV cache holds the trajectories of one chunk of rows (`rollout.chunkRows`; all of the step's
 *   questionsPerStep × rollouts rows when 0) up to the context, and while `extend` grows it the old and the grown
 *   cache both exist; inserting an observation runs the forward pass on the chunk's rows at once (on pieces of
 *   `rollout.insertChunk` tokens when set);
 * - the update: gradients (the mini-batch's running sum and the current micro-batch's), and the activations
 *   of one micro-batch at the full context, with activation checkpointing and chunked attention when the trainer
 *   sets them (see activationElements). The head's logits exist one chunk at a time (../model/chunked-head);
 * - the critic's update (PPO), after the policy's: its gradients and activations (same memory settings), full
 *   [rows × context × vocab] logits included, since its value head reads the logits.
 * Phases do not overlap: the peak is the resident rows plus the largest phase.
 *
 * Activations are what tfjs holds at the end of a backward pass: the tape's saved inputs and a gradient for
 * every tensor on the path (see COPIES). Unless the trainer chunks it, attention keeps its [rows × heads ×
 * queries × keys] probabilities (no fused flash kernel in tfjs), which dominates long contexts.
 * `fused` is the kit's native CPU backend (one kernel per RMSNorm, RoPE, attention, SwiGLU); every other
 * backend (tfjs-node-gpu, webgpu, wasm, cpu) composes tfjs ops and keeps a few more intermediates.
 *
 * Every tfjs backend holds float32 only (its public dtypes are float32, int32, bool, complex64, string), so
 * `bytes` is the plan. `bf16Bytes` is what the same run would need where a backend stores bf16 (PyTorch,
 * JAX; not tfjs): weights nobody updates (LoRA base, KL reference), activations and KV caches in bf16;
 * trainable weights, their gradients and AdamW moments stay f32, because an lr-1e-6 step vanishes in bf16's
 * 8-bit mantissa.
 */
import type { ModelConfig } from '../model/config';
import { parameterShapes } from '../model/parameters';
import { adaptedLayers } from '../model/lora';
import { DEFAULT_HEAD_CHUNK_ELEMENTS } from '../model/chunked-head';
import { FEW_QUERIES } from '../model/layers';
import type { TrainerConfig } from './trainer';

export const GIB = 2 ** 30;
const F32 = 4;
const BF16 = 2;

export type Phase = 'resident' | 'rollout' | 'update' | 'critic update';
export const PHASES: readonly Phase[] = ['resident', 'rollout', 'update', 'critic update'];

export interface PlanRow {
  item: string;
  phase: Phase;
  bytes: number;
  /** Where a backend stores bf16 (not tfjs): see the file's comment. */
  bf16Bytes: number;
  note: string;
}

export interface MemoryPlan {
  parameters: number;
  trainableParameters: number;
  setting: {
    estimator: string;
    klCoef: number;
    lora: { rank: number; targetModules: string[] } | null;
    rolloutRows: number;
    microBatch: number;
    context: number;
    insertTokens: number;
    fused: boolean;
    activationCheckpointing: boolean;
    attentionChunk: number;
    /** Rows per rollout KV cache (all of the step's when `rollout.chunkRows` is 0). */
    rolloutChunkRows: number;
    /** Tokens per `extend` when inserting an observation (the whole observation when `rollout.insertChunk` is 0). */
    insertChunk: number;
  };
  rows: PlanRow[];
  /** Bytes per phase and the peak (resident + the largest other phase), f32 and bf16. */
  totals: Record<Phase | 'peak', number>;
  bf16Totals: Record<Phase | 'peak', number>;
}

export interface PlanOptions {
  lora?: { rank: number; targetModules: string[] } | null;
  /** The native backend's fused kernels (default false: tfjs-node-gpu / webgpu / wasm / cpu). */
  fused?: boolean;
  /** Logits per chunk of the policy head (default the model's, 2^24). */
  headChunkElements?: number;
  /** Tokens one observation adds to every row in the rollout (default the rollout's maxObsTokens). */
  insertTokens?: number;
}

/** What tfjs can hold, per backend the kit runs on: float32 everywhere (int32 / bool only for ids and masks). */
export const BACKEND_DTYPES: Record<string, string> = {
  'node-gpu': 'float32 (libtensorflow computes bf16, but tfjs cannot create a bf16 tensor)',
  webgpu: 'float32 (tfjs-backend-webgpu stores no f16)',
  native: 'float32',
  wasm: 'float32',
  cpu: 'float32',
};

/**
 * Tensors per token that a decoder layer (../model/decoder-layer) makes, each one of that width: d-wide: two norms,
 * o_proj, down_proj, two residual sums (composed norms also keep x·rsqrt); q-wide: projection (+ bias), RoPE,
 * head transpose, attention output and its transpose (composed RoPE keeps rotate-half); kv-wide: k and v
 * projections (+ biases), k's RoPE, both transposes; intermediate-wide: gate, up, SwiGLU (composed: silu's products).
 */
function tensorsPerToken(c: ModelConfig, fused: boolean): number {
  const bias = c.qkvBias ? 1 : 0;
  return (
    (fused ? 6 : 8) * c.hiddenSize +
    (5 + bias + (fused ? 0 : 1)) * c.numHeads * c.headDim +
    (5 + 2 * bias + (fused ? 0 : 1)) * c.numKvHeads * c.headDim +
    (fused ? 3 : 5) * c.intermediateSize
  );
}

/**
 * Copies of those tensors, and of the attention probabilities, that a pass holds at its peak, measured with
 * tf.profile on two tiny shapes (d 32 / 48, with and without biases; training coefficients agree within 4%,
 * no-tape ones within ~35%, where attention dominates at scale anyway; memory-plan.test.ts measures again).
 * With a tape, tfjs keeps every saved input and the gradient of every tensor on the path until the whole
 * backward pass ends (its `gradients` runs in one tidy), hence ~3× per token of every layer; composed
 * attention keeps scores, scaled scores, probabilities and their gradients (13×). Without a tape, a pass
 * holds one layer at a time (Transformer.run scopes each layer).
 */
const COPIES = {
  fused: { token: 2.8, attention: 1.15 },
  composed: { token: 3.5, attention: 13.3 },
  /** Without a tape; up to FEW_QUERIES queries, composed attention keeps two [scores × headDim] products (../model/layers). */
  noTape: { token: 1.05, attentionFused: 1, attentionComposed: 6.3, fewQueriesPerHeadDim: 2, fewQueries: 6 },
  /**
   * Logits-sized tensors of the policy head in a training pass: 16 when they fit one chunk (log-softmax,
   * entropy and their gradients, measured like the above), else ~12 chunk-sized ones in the chunked backward
   * (counted from ../model/chunked-head). The critic's value head reads full logits: them and their gradient.
   */
  headFull: 16,
  headChunk: 12,
  criticLogits: 2,
  /** A checkpointed layer's saved input and the gradient of it the backward pass keeps until it ends. */
  checkpointInput: 2,
  /** Copies of one layer's cache while `extend` grows it (../model/kv-cache appendSlots): reshaped view, concatenation, gather. */
  kvLayerTransient: 3,
};

/** How a training pass keeps its activations (TrainerConfig's activationCheckpointing and attentionChunk). */
export interface ActivationSetting {
  fused: boolean;
  tape: boolean;
  /** Each layer recomputed in the backward pass (../model/recompute); default false. */
  checkpoint?: boolean;
  /** Queries per attention chunk (../model/chunked-attention); 0 or ≥ queries = whole; default 0. */
  attentionChunk?: number;
}

/**
 * Float32 elements of a pass over `rows` × `queries` new tokens attending to `keys` slots at its peak:
 * with `tape`, a training forward + backward, else a no-grad forward (one layer's; the keys and values it adds
 * are the KV cache's row). The head is counted apart. In a training pass:
 * - without checkpointing every layer's activations live until the backward pass ends; with it, each layer keeps
 *   its input, the RoPE tables it reads (tf.memory counts each saved copy; the backends share the buffer) and its
 *   input's gradient, and one layer's activations exist at a time, while its backward pass recomputes it;
 * - chunked attention keeps q, k and v per layer instead of the scores, and one chunk's scores exist at a time;
 *   its causal mask is made per chunk (tokenStats), the whole one otherwise.
 */
export function activationElements(c: ModelConfig, rows: number, queries: number, keys: number, opts: ActivationSetting): number {
  const tokens = rows * queries;
  const scores = rows * c.numHeads * queries * keys;
  if (!opts.tape) {
    const mask = (queries === keys ? 1 : rows) * queries * keys;
    const n = COPIES.noTape;
    const attention = opts.fused ? n.attentionFused : queries <= FEW_QUERIES ? n.fewQueriesPerHeadDim * c.headDim + n.fewQueries : n.attentionComposed;
    return n.token * tokens * tensorsPerToken(c, true) + attention * scores + mask;
  }
  const k = opts.fused ? COPIES.fused : COPIES.composed;
  const chunk = opts.attentionChunk ?? 0;
  const chunked = chunk > 0 && chunk < queries;
  const checkpoint = opts.checkpoint ?? false;
  const live = checkpoint ? 1 : c.numLayers; // layers whose activations exist at once
  const qkv = tokens * (c.numHeads + 2 * c.numKvHeads) * c.headDim;
  const perLayer = k.token * tokens * tensorsPerToken(c, opts.fused) + (chunked ? qkv : k.attention * scores);
  const chunkScores = chunked ? k.attention * rows * c.numHeads * chunk * keys : 0;
  const kept = checkpoint ? c.numLayers * tokens * (COPIES.checkpointInput * c.hiddenSize + 2 * c.headDim) : 0;
  const mask = (chunked ? chunk : queries) * keys;
  return live * perLayer + chunkScores + kept + mask;
}

/** Trainable numbers: every weight, or the adapters' A [in, rank] and B [rank, out]. */
function trainableCount(shapes: Map<string, number[]>, lora: PlanOptions['lora']): number {
  if (!lora) return sum([...shapes.values()].map(size));
  const layers = adaptedLayers(shapes, lora.targetModules);
  if (layers.length === 0) throw new Error(`LoRA targets ${JSON.stringify(lora.targetModules)} match no linear layer of the model`);
  return sum(layers.map(({ inDim, outDim }) => lora.rank * (inDim + outDim)));
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** The plan of an RL run of a model with `config` under `trainer` (see the file's comment for each row). */
export function planMemory(config: ModelConfig, trainer: TrainerConfig, opts: PlanOptions = {}): MemoryPlan {
  const fused = opts.fused ?? false;
  const lora = opts.lora ?? null;
  const shapes = parameterShapes(config);
  const parameters = sum([...shapes.values()].map(size));
  const trainable = trainableCount(shapes, lora);
  const frozen = lora ? parameters : 0;
  const context = trainer.rollout.maxContextTokens ?? 4096;
  const insertTokens = Math.min(opts.insertTokens ?? trainer.rollout.maxObsTokens ?? 2048, context);
  const insertPiece = trainer.rollout.insertChunk ? Math.min(trainer.rollout.insertChunk, insertTokens) : insertTokens;
  const rolloutRows = trainer.questionsPerStep * trainer.rolloutsPerQuestion;
  const chunkRows = Math.min(trainer.rollout.chunkRows || rolloutRows, rolloutRows);
  const memory = { checkpoint: trainer.activationCheckpointing ?? false, attentionChunk: trainer.attentionChunk ?? 0 };
  const micro = Math.min(trainer.microBatchSize > 0 ? trainer.microBatchSize : rolloutRows, rolloutRows);
  const miniBatch = trainer.miniBatchSize > 0 ? Math.min(trainer.miniBatchSize, rolloutRows) : rolloutRows;
  const accumulating = miniBatch > micro;
  const V = config.vocabSize;
  const positions = micro * (context - 1);
  const chunked = positions * V > (opts.headChunkElements ?? DEFAULT_HEAD_CHUNK_ELEMENTS);
  const headRows = chunked ? Math.max(1, Math.floor((opts.headChunkElements ?? DEFAULT_HEAD_CHUNK_ELEMENTS) / V)) : positions;
  const critic = trainer.estimator === 'gae';
  const reference = trainer.klCoef > 0 && !lora;
  const kvPerToken = 2 * config.numLayers * config.numKvHeads * config.headDim;
  const rows: PlanRow[] = [];
  // `elements` in f32; `bf16` says whether a bf16 backend would halve them.
  const row = (item: string, phase: Phase, elements: number, bf16: boolean, note: string) =>
    rows.push({ item, phase, bytes: elements * F32, bf16Bytes: elements * (bf16 ? BF16 : F32), note });

  if (lora) {
    row('policy weights (frozen base)', 'resident', frozen, true, `${parameters.toLocaleString('en')} numbers`);
    row('LoRA adapters', 'resident', trainable, false, `rank ${lora.rank} on ${lora.targetModules.join(',')}`);
  } else {
    row('policy weights', 'resident', parameters, false, `${parameters.toLocaleString('en')} numbers, all trainable`);
  }
  row(
    'KL reference',
    'resident',
    reference ? parameters : 0,
    true,
    trainer.klCoef === 0 ? 'none: KL coef 0' : lora ? 'none: the base with adapters off' : 'frozen copy of the starting policy',
  );
  row('AdamW m + v (policy)', 'resident', 2 * trainable, false, '2 moments per trainable number');
  if (critic) {
    row('critic weights', 'resident', parameters + V + 1, false, 'full copy of the policy + value head on the logits');
    row('AdamW m + v (critic)', 'resident', 2 * (parameters + V + 1), false, '');
  }
  const chunkNote = chunkRows < rolloutRows ? `one chunk of ${chunkRows} of the ${rolloutRows} rows at a time` : `all ${rolloutRows} rows at once`;
  // The old and the grown cache, and the layer being grown: its concatenation and the views tf.memory counts again.
  const kvCopies = 2 + COPIES.kvLayerTransient / config.numLayers;
  row('rollout KV cache', 'rollout', kvCopies * chunkRows * context * kvPerToken, true, `${chunkNote} × ${context} tokens; old + grown copy during extend`);
  row(
    'rollout observation pass',
    'rollout',
    activationElements(config, chunkRows, insertPiece, context, { fused, tape: false }),
    true,
    `${insertTokens} tokens into every row of ${chunkNote}` + (insertPiece < insertTokens ? `, ${insertPiece} per extend` : '') + ' (forward, no tape)',
  );
  row(
    'policy gradients',
    'update',
    (accumulating ? 2 : 1) * trainable,
    false,
    accumulating ? `running sum over ${Math.ceil(miniBatch / micro)} micro-batches + the current one` : 'one micro-batch per update',
  );
  row(
    'activations',
    'update',
    activationElements(config, micro, context, context, { fused, tape: true, ...memory }),
    true,
    `micro-batch ${micro} × ${context} tokens; ` +
      (memory.checkpoint ? 'layer inputs kept, one layer recomputed at a time' : "every layer's activations kept") +
      (memory.attentionChunk > 0 && memory.attentionChunk < context ? `; attention ${memory.attentionChunk} queries at a time` : '; whole attention scores'),
  );
  row(
    chunked ? 'head logits chunk' : 'head logits (one chunk)',
    'update',
    (chunked ? COPIES.headChunk : COPIES.headFull) * headRows * V,
    true,
    `${headRows} positions × ${V} vocab at a time; [positions × vocab] never exists`,
  );
  if (critic) {
    row('critic gradients', 'critic update', (accumulating ? 2 : 1) * (parameters + V + 1), false, '');
    row(
      'critic activations',
      'critic update',
      activationElements(config, micro, context, context, { fused, tape: true, ...memory }) + COPIES.criticLogits * micro * context * V,
      true,
      `the policy's settings; includes full ${micro} × ${context} × ${V} logits`,
    );
  }
  const totalsOf = (key: 'bytes' | 'bf16Bytes') => {
    const t = Object.fromEntries(PHASES.map((p) => [p, sum(rows.filter((r) => r.phase === p).map((r) => r[key]))])) as Record<Phase | 'peak', number>;
    t.peak = t.resident + Math.max(t.rollout, t.update, t['critic update']);
    return t;
  };
  return {
    parameters,
    trainableParameters: trainable,
    setting: {
      estimator: trainer.estimator,
      klCoef: trainer.klCoef,
      lora,
      rolloutRows,
      microBatch: micro,
      context,
      insertTokens,
      fused,
      activationCheckpointing: memory.checkpoint,
      attentionChunk: memory.attentionChunk,
      rolloutChunkRows: chunkRows,
      insertChunk: insertPiece,
    },
    rows,
    totals: totalsOf('bytes'),
    bf16Totals: totalsOf('bf16Bytes'),
  };
}
