export { CURRICULUM, noiseProbability, exponentialSchedule, constantSchedule, linearSchedule, stepSchedule } from './curriculum';
export type { NoiseSchedule, ExponentialCurriculum } from './curriculum';
export {
  answerReward, f1Reward, emReward, coverEmReward, REWARD_FUNCTIONS, rewardByName, isWellFormed, withFormatPenalty,
} from './rewards';
export type { RewardFunction, RewardName } from './rewards';
export { computeAdvantages, maskedWhiten, ADVANTAGE_ESTIMATORS } from './advantages';
export type { AdvantageEstimator, AdvantageInput, AdvantageOutput } from './advantages';
export {
  aggregateTokens, policyLoss, klPenalty, klLoss, entropyFromLogits, entropyLoss, valueLoss, combineLoss,
} from './losses';
export type { LossAggregation, KlKind, PolicyLossInput, CombineLossInput } from './losses';
export { trainPolicy, DEFAULT_TRAINER_CONFIG, noiseSchedule, stepQuestionIndices, targetLossMask, assertFinite } from './trainer';
export type { TrainerConfig, StepMetrics, TrainPolicyArgs, NoiseSpec } from './trainer';
export { Critic } from './critic';
export { RL_PRESETS, rlConfig, trainingSimulator, trainQuestions, trainPolicyStage } from './pipeline';
export type { PolicyStage } from './pipeline';
