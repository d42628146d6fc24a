/**
 * The parameters a config implies, named as in Hugging Face checkpoints, with their shapes in the kit's layout:
 * every linear weight is stored `[in, out]` (HF stores `[out, in]`; ./checkpoint transposes on load and save).
 */
import type { ModelConfig } from './config';

/** Weights stored transposed relative to HF (`[in, out]` here, `[out, in]` in safetensors files). */
export function isLinearWeight(name: string): boolean {
  return name.endsWith('_proj.weight') || name === 'lm_head.weight';
}

/** Every parameter the config implies, with its shape in the kit's internal layout. */
export function parameterShapes(config: ModelConfig): Map<string, number[]> {
  const { vocabSize: V, hiddenSize: d, numHeads: H, numKvHeads: Hkv, headDim: hd, intermediateSize: m } = config;
  const shapes = new Map<string, number[]>([['model.embed_tokens.weight', [V, d]]]);
  for (let l = 0; l < config.numLayers; l++) {
    const p = `model.layers.${l}`;
    shapes.set(`${p}.input_layernorm.weight`, [d]);
    shapes.set(`${p}.self_attn.q_proj.weight`, [d, H * hd]);
    shapes.set(`${p}.self_attn.k_proj.weight`, [d, Hkv * hd]);
    shapes.set(`${p}.self_attn.v_proj.weight`, [d, Hkv * hd]);
    if (config.qkvBias) {
      shapes.set(`${p}.self_attn.q_proj.bias`, [H * hd]);
      shapes.set(`${p}.self_attn.k_proj.bias`, [Hkv * hd]);
      shapes.set(`${p}.self_attn.v_proj.bias`, [Hkv * hd]);
    }
    shapes.set(`${p}.self_attn.o_proj.weight`, [H * hd, d]);
    shapes.set(`${p}.post_attention_layernorm.weight`, [d]);
    shapes.set(`${p}.mlp.gate_proj.weight`, [d, m]);
    shapes.set(`${p}.mlp.up_proj.weight`, [d, m]);
    shapes.set(`${p}.mlp.down_proj.weight`, [m, d]);
  }
  shapes.set('model.norm.weight', [d]);
  if (!config.tieEmbeddings) shapes.set('lm_head.weight', [d, V]);
  return shapes;
}
