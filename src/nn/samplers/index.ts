/**
 * Bayesian samplers for finite networks: ULA, MALA and HMC kernels (BlackJAX style), the posterior
 * they target, multi-chain runs with checkpoints, and the checkpoint file format.
 *
 * @module
 */

export {
  type ChainDiagnostics,
  checkSchedule,
  makeSampler,
  type RunOptions,
  type RunResult,
  recordsPerChain,
  runChains,
  SAMPLERS,
  type SamplerName,
  type SamplerOptions,
} from "./chains.js";
export { type Checkpoint, readCheckpoint, writeCheckpoint } from "./checkpoint.js";
export { type GibbsLinearInfo, type GibbsLinearOptions, type GibbsLinearProblem, type GibbsLinearState, gibbsLinear } from "./gibbsLinear.js";
export { type HmcOptions, hmc, hmcStepSize } from "./hmc.js";
export { type MalaOptions, mala } from "./mala.js";
export { isFiniteState, Posterior, type PosteriorOptions, type Sampler, type SamplerState, type StepInfo } from "./posterior.js";
export { invertSmall, type UlaOptions, ula, ulaStationaryCovariance } from "./ula.js";
