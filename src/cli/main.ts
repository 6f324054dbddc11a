/**
 * featurelab's command-line interface.
 *
 * Exit codes: 0 success; 1 a computation failed (NumericalError, or a check such as
 * `doctor --require-native`); 2 bad input (InputError: a file, an option, an unknown command).
 * Errors are one line on stderr: `featurelab: <what is wrong> (<where>)`.
 */
import { Command, CommanderError } from "commander";
import { InputError, NumericalError } from "../engine/errors.js";
import { register as registerBench } from "./commands/bench.js";
import { register as registerCritical } from "./commands/critical.js";
import { register as registerData } from "./commands/data.js";
import { register as registerDoctor } from "./commands/doctor.js";
import { register as registerKernels } from "./commands/kernels.js";
import { register as registerMultiscale } from "./commands/multiscale.js";
import { register as registerPhaseDiagram } from "./commands/phaseDiagram.js";
import { register as registerRenorm } from "./commands/renorm.js";
import { register as registerReproduce } from "./commands/reproduce.js";
import { register as registerRuns } from "./commands/runs.js";
import { register as registerSample } from "./commands/sample.js";
import { register as registerSeparation } from "./commands/separation.js";
import { register as registerServe } from "./commands/serve.js";
import { register as registerSpringblock } from "./commands/springblock.js";
import { register as registerTrain } from "./commands/train.js";

export function buildProgram(): Command {
  const program = new Command("featurelab")
    .description("statistical mechanics of feature learning: theories, finite networks, metrics and figures")
    .version("0.1.0")
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeErr: (s) => process.stderr.write(s),
      outputError: (s, write) => write(`featurelab: ${s.replace(/^error: /, "")}`),
    });
  for (const reg of [
    registerReproduce,
    registerRuns,
    registerDoctor,
    registerData,
    registerKernels,
    registerRenorm,
    registerMultiscale,
    registerServe,
    registerBench,
    registerCritical,
    registerTrain,
    registerSample,
    registerSeparation,
    registerSpringblock,
    registerPhaseDiagram,
  ])
    reg(program);
  const configure = (c: Command) => {
    c.exitOverride();
    c.configureOutput(program.configureOutput());
    c.commands.forEach(configure);
  };
  program.commands.forEach(configure);
  return program;
}

/** Runs the CLI on argv (without node and script) and returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    return handleError(e);
  }
}

function handleError(e: unknown): number {
  if (e instanceof CommanderError) {
    if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return 0;
    // commander already printed its own one-line message ("error: unknown option '--x'")
    return 2;
  }
  if (e instanceof InputError) {
    process.stderr.write(`featurelab: ${e.message}\n`);
    return 2;
  }
  if (e instanceof NumericalError) {
    process.stderr.write(`featurelab: numerical failure: ${e.message}\n`);
    return 1;
  }
  const err = e as Error;
  process.stderr.write(`featurelab: internal error: ${err?.stack ?? String(e)}\n`);
  return 1;
}

const isMain = process.argv[1] && /(?:featurelab(?:\.js)?|cli[/\\]main\.(?:ts|js))$/.test(process.argv[1]);
if (isMain) {
  run(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
