/**
 * Worker-thread entry of the sweep runner: loads the recipes, pins BLAS to one thread (the pool runs
 * one worker per core, so more BLAS threads would oversubscribe), and computes the points it is sent.
 *
 * @module
 */
import { parentPort } from "node:worker_threads";
import { backend } from "../engine/linalg/backend.js";
import { computePoint, type PointTask } from "./compute.js";
import "./recipes/index.js";

if (!parentPort) throw new Error("experiments/worker: not started as a worker thread");
const port = parentPort;
backend().setThreads(1);
const memo = new Map<string, unknown>();
port.on("message", async (task: PointTask) => {
  const out = await computePoint(task, memo, (msg) => port.postMessage({ type: "log", msg }));
  port.postMessage({ type: "done", out });
});
port.postMessage({ type: "ready" });
