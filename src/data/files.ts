/** File reading with InputErrors that name the file. */
import { readFileSync } from "node:fs";
import { InputError } from "../engine/errors.js";

/** The bytes of a file; InputError "path: file not found" (or the OS reason) when unreadable. */
export function readBytes(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new InputError("file not found", path);
    if (code === "EISDIR") throw new InputError("is a directory, expected a file", path);
    throw new InputError(`cannot read file (${code ?? (e as Error).message})`, path);
  }
}

/** The UTF-8 text of a file (see {@link readBytes}). */
export function readText(path: string): string {
  return readBytes(path).toString("utf8");
}

/** The file name without folders and without its last extension. */
export function baseName(path: string): string {
  const b = path.split(/[\\/]/).pop() ?? path;
  return b.replace(/\.[^.]*$/, "");
}
