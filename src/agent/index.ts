export { policyPrompt, policyChat, preprocessQuestion, POLICY_PROMPT_PREFIX, INVALID_ACTION_MESSAGE } from './template';
export { parseAction, cutAtAction, extractAnswer, extractResponseAnswer } from './actions';
export type { Action, ActionKind } from './actions';
export { formatDocuments, informationBlock, observationFor, NO_INFORMATION, OBS_TOKENS } from './observation';
export type { DocText } from './observation';
export { rollout, rolloutStats, showMask } from './rollout';
export type { RolloutQuestion, RolloutOptions, Trajectory, Turn, FinishReason, PolicyModel } from './rollout';
export {
  buildPolicyBase,
  policyTokenizer,
  pretrainingWorlds,
  scriptedTrajectory,
  segmentsToExample,
  worldScripts,
  policyBaseSampler,
  POLICY_BASE_PRESETS,
} from './policy-base';
export type { PolicyBase, PolicyBaseConfig, ScriptStyle, Segment } from './policy-base';
export { POLICY_TEMPLATES, policyPromptFormat, resolvePolicyTemplate } from './policy-template';
export type { PolicyTemplate, PolicyPromptFormat } from './policy-template';
