/**
 * `featurelab serve`: the local web explorer (docs/explorer.md). Binds 127.0.0.1 only, prints the
 * URL, and stops cleanly on Ctrl-C (SIGINT) or SIGTERM.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type Command, Option } from "commander";
import { InputError } from "../../engine/errors.js";
import { defaultWebRoot, startServer } from "../../server/index.js";
import { choiceArg, intArg } from "../common.js";

const portArg = (raw: string): number => {
  const v = intArg("--port")(raw);
  if (v < 0 || v > 65535) throw new InputError(`must be an integer in 0..65535 (0: any free port), got ${raw}`, "option --port");
  return v;
};

/** Opens `url` in the desktop's browser; failures are silent (the URL is printed anyway). */
function openBrowser(url: string): void {
  const [cmd, args] = process.platform === "darwin" ? ["open", [url]] : process.platform === "win32" ? ["cmd", ["/c", "start", "", url]] : ["xdg-open", [url]];
  try {
    const child = spawn(cmd, args as string[], { stdio: "ignore", detached: true });
    child.on("error", () => {});
    child.unref();
  } catch {
    // no browser to open: the printed URL is enough
  }
}

function hasDisplay(): boolean {
  if (process.platform !== "linux") return true;
  return Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
}

export function register(program: Command): void {
  program
    .command("serve")
    .description("the local web explorer: renormalization theory, kernels and the edge of chaos, live (http://127.0.0.1 only)")
    .addOption(new Option("--port <n>", "TCP port on 127.0.0.1 (0: any free port)").default(5180).argParser(portArg))
    .addOption(
      new Option("--open <yes|no>", "open the explorer in the desktop's browser (default: yes when a terminal and a display are present)").argParser(
        choiceArg("--open", ["yes", "no"] as const),
      ),
    )
    .option("--json", "print {url, port} as JSON instead of the human line")
    .action(async (o: { port: number; open?: "yes" | "no"; json?: boolean }) => {
      const running = await startServer({ port: o.port });
      if (o.json) process.stdout.write(`${JSON.stringify({ url: running.url, port: running.port })}\n`);
      else process.stdout.write(`featurelab explorer: ${running.url}  (Ctrl-C to stop)\n`);
      if (!existsSync(join(defaultWebRoot(), "index.html"))) {
        process.stderr.write("featurelab serve: the front end is not built (web/dist is missing); run `npx vite build web` or `bash scripts/setup.sh`\n");
      }
      const open = o.open ?? (process.stdout.isTTY && hasDisplay() ? "yes" : "no");
      if (open === "yes") openBrowser(running.url);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          running.close().then(resolve, resolve);
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
      if (!o.json) process.stderr.write("featurelab serve: stopped\n");
    });
}
