// Headless Chromium for the console tests, driven by playwright-core (which ships no browser).
// Debian's chromium is installed by scripts/ensure-chromium.sh when missing; if that fails the
// tests fail, naming the fix, rather than skip.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type BrowserContext, chromium } from "playwright-core";

const exec = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const CHROMIUM = "/usr/bin/chromium";

/** Install Chromium if it is missing, or throw saying how to. */
export async function ensureChromium(): Promise<void> {
  try {
    await exec(join(root, "scripts/ensure-chromium.sh"), [], { timeout: 300_000 });
  } catch (e) {
    const stderr = (e as { stderr?: string }).stderr ?? String(e);
    throw new Error(
      `Chromium (${CHROMIUM}) is missing and could not be installed:\n${stderr}\n` +
        "Install it (Debian/Ubuntu: apt-get install chromium) and run the tests again.",
    );
  }
}

/** A fresh browser profile; `close()` ends the browser and removes the profile. */
export async function launchBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  await ensureChromium();
  const profile = mkdtempSync(join(tmpdir(), "pollux-console-chromium-"));
  // The machine's network is closed: no QUIC, no background fetches, no component updates.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
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
    viewport: { width: 1400, height: 900 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
