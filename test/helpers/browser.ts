/**
 * Debian's Chromium for the browser tests, driven by playwright-core (never a downloaded browser).
 * The flags keep it headless and off the network: without the background-networking ones Chromium
 * keeps trying to reach its update and sync services, which this machine's closed network refuses.
 */
import type { Browser } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
