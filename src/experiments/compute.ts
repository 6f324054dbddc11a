/**
 * Computing one sweep point — the same code in a worker thread and in the main thread (`--workers 1`).
 *
 * @module
 */
import { keyFromWords } from "../engine/random.js";
import { getRecipe } from "./registry.js";

/** A sweep point to compute, as sent to a worker (plain, structured-clonable). */
export interface PointTask {
  taskId: number;
  recipe: string;
  point: string;
  params: unknown;
  config: unknown;
  full: boolean;
  /** The point's key words [k0, k1]. */
  key: [number, number];
  /** The recipe's key words. */
  recipeKey: [number, number];
}

/** A computed point, or its failure. */
export type PointOutcome = { taskId: number; ok: true; result: unknown; seconds: number } | { taskId: number; ok: false; error: string; errorName: string };

/** Runs `recipe.compute` for a task. `memo` is the calling thread's cache; `log` its note sink. Never throws. */
export async function computePoint(task: PointTask, memo: Map<string, unknown>, log: (msg: string) => void): Promise<PointOutcome> {
  try {
    const r = getRecipe(task.recipe);
    if (!r) throw new Error(`recipe '${task.recipe}' is not registered in this thread`);
    const t0 = performance.now();
    const result = await r.compute(task.params, {
      key: keyFromWords(task.key[0], task.key[1]),
      recipeKey: keyFromWords(task.recipeKey[0], task.recipeKey[1]),
      config: task.config,
      full: task.full,
      log: (m: string) => log(`${task.recipe} ${task.point}: ${m}`),
      memo<T>(name: string, make: () => T): T {
        const k = `${task.recipe}\u0000${name}`;
        if (!memo.has(k)) memo.set(k, make());
        return memo.get(k) as T;
      },
    });
    return { taskId: task.taskId, ok: true, result, seconds: (performance.now() - t0) / 1e3 };
  } catch (e) {
    const err = e as Error;
    return { taskId: task.taskId, ok: false, error: String(err?.message ?? e).split("\n")[0], errorName: err?.name ?? "Error" };
  }
}
