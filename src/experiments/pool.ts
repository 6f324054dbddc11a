/**
 * Executors for sweep points: a pool of worker threads (one point at a time per worker, BLAS pinned
 * to one thread in each), or the main thread itself for `--workers 1`.
 *
 * Results do not depend on the executor: a point's key comes from the run seed and the point's id,
 * and every point computes with one BLAS thread, so no reduction order depends on the thread count.
 *
 * @module
 */
import { Worker } from "node:worker_threads";
import { backend } from "../engine/linalg/backend.js";
import { computePoint, type PointOutcome, type PointTask } from "./compute.js";

/** Runs sweep points. */
export interface Executor {
  /** Number of points it computes at once. */
  readonly size: number;
  run(task: Omit<PointTask, "taskId">): Promise<PointOutcome>;
  close(): Promise<void>;
}

/** Computes points one after another in the calling thread (BLAS pinned to one thread, like the workers). */
export function inlineExecutor(log: (msg: string) => void): Executor {
  backend().setThreads(1);
  const memo = new Map<string, unknown>();
  let next = 0;
  let chain: Promise<unknown> = Promise.resolve();
  return {
    size: 1,
    run(task) {
      const p = chain.then(() => computePoint({ ...task, taskId: next++ }, memo, log));
      chain = p;
      return p;
    },
    async close() {
      await chain;
    },
  };
}

/** The bootstrap a worker thread evaluates: it loads the worker module (through tsx when running from sources). */
function workerBoot(): string {
  const fromSource = import.meta.url.endsWith(".ts");
  const entry = new URL(`./worker.${fromSource ? "ts" : "js"}`, import.meta.url).href;
  if (!fromSource) return `import(${JSON.stringify(entry)});`;
  const tsx = import.meta.resolve("tsx/esm/api");
  return `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
}

interface Slot {
  worker: Worker;
  busy: { task: PointTask; resolve: (o: PointOutcome) => void } | null;
}

/** A pool of `n` worker threads. */
export class WorkerPool implements Executor {
  private slots: Slot[] = [];
  private queue: { task: PointTask; resolve: (o: PointOutcome) => void }[] = [];
  private next = 0;
  private closed = false;

  constructor(
    readonly size: number,
    private readonly log: (msg: string) => void,
  ) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const worker = new Worker(workerBoot(), { eval: true, env: process.env, stderr: false, stdout: false });
    const slot: Slot = { worker, busy: null };
    worker.on("message", (m: { type: string; msg?: string; out?: PointOutcome }) => {
      if (m.type === "log") this.log(m.msg ?? "");
      else if (m.type === "done" && slot.busy) {
        const b = slot.busy;
        slot.busy = null;
        b.resolve(m.out as PointOutcome);
        this.pump();
      }
    });
    const lost = (why: string) => {
      if (this.closed) return;
      const b = slot.busy;
      slot.busy = null;
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots[i] = this.spawn();
      if (b) b.resolve({ taskId: b.task.taskId, ok: false, error: `worker thread died: ${why}`, errorName: "Error" });
      this.pump();
    };
    worker.on("error", (e) => lost(String((e as Error)?.message ?? e).split("\n")[0]));
    worker.on("exit", (code) => lost(`exit code ${code}`));
    return slot;
  }

  private pump(): void {
    for (const s of this.slots) {
      if (s.busy || this.queue.length === 0) continue;
      const job = this.queue.shift()!;
      s.busy = job;
      s.worker.postMessage(job.task);
    }
  }

  run(task: Omit<PointTask, "taskId">): Promise<PointOutcome> {
    return new Promise((resolve) => {
      this.queue.push({ task: { ...task, taskId: this.next++ }, resolve });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
