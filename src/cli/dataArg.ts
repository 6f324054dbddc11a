/** Loading the `--data FILE` argument that theory commands share. */

import { type Dataset, isSplitDataset, loadDataFile, type SplitDataset } from "../data/index.js";
import { InputError } from "../engine/errors.js";

/** Loads FILE (.json/.csv/.npy with optional --y). Returns the split form when the file has one. */
export function loadData(file: string | undefined, opts: { y?: string } = {}): Dataset | SplitDataset {
  if (!file) throw new InputError("missing --data FILE (a .json {X,y} or {Xtrain,ytrain,Xtest,ytest}, .csv or .npy file)", "option --data");
  return loadDataFile(file, { y: opts.y });
}

/** Requires a train/test split (for commands that report test predictions and errors). */
export function loadSplit(file: string | undefined, opts: { y?: string } = {}): SplitDataset {
  const d = loadData(file, opts);
  if (!isSplitDataset(d)) {
    throw new InputError('this command needs test points: give a {"Xtrain","ytrain","Xtest","ytest"} JSON file (featurelab data prepare writes one)', file);
  }
  if (d.train.D !== d.test.D) throw new InputError(`train inputs have D = ${d.train.D} but test inputs D = ${d.test.D}`, file);
  if (d.train.K !== d.test.K) throw new InputError(`train targets have ${d.train.K} outputs but test targets ${d.test.K}`, file);
  return d;
}

/** The training part of a dataset file (all of it when there is no split). */
export function trainPart(d: Dataset | SplitDataset): Dataset {
  return isSplitDataset(d) ? d.train : d;
}
