// The console page in a real headless Chromium (playwright-core): it connects, shows tasks as they
// come, updates their figures, shows lints, sorts, shows a task's details and the task dump, and
// stays light with 10,000 tasks. A screenshot goes to test-results/console.png.
//
// The runtime has full instrumentation (`instrument: true`): per-task counters come from
// `runtime.taskMetrics()` and lints from `runtime.lints()`. (A runtime without them is covered in
// source.test.ts.)
import { mkdirSync } from "node:fs";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type ConsoleServer, startConsole } from "../../src/console/index.js";
import { Runtime } from "../../src/runtime/index.js";
import { CancellationToken, type JoinHandle } from "../../src/task/index.js";
import { sleep } from "../../src/time/index.js";
import { launchBrowser } from "./browser.js";

function* ticker(ms: number) {
  for (;;) yield* sleep(ms);
}

function* blocker(ms: number) {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // Hold the event loop in one poll: the mistake the slow-poll lint names.
  }
  yield* sleep(1_000_000);
}

function* idle() {
  yield* sleep(1_000_000);
}

let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
let rt: Runtime;
let server: ConsoleServer;
let url: string;
let stop: CancellationToken;
let running: Promise<unknown>;
let page: Page;
const handles: JoinHandle<unknown>[] = [];

const row = (id: number) => page.locator(`[data-testid="task-row"][data-task-id="${id}"]`);
const num = (text: string | null): number => Number((text ?? "").replace(/,/g, ""));

beforeAll(async () => {
  browser = await launchBrowser();
  rt = new Runtime({ instrument: true, slowPollMs: 20, onSlowPoll: () => {}, onOrphans: false });
  stop = new CancellationToken();
  running = rt.run(function* () {
    yield* stop.cancelled();
  });
  server = startConsole(rt, { port: 0, intervalMs: 200 });
  url = await server.ready;
  page = await browser.context.newPage();
  await page.goto(url);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  for (const h of handles) h.abort();
  stop?.cancel();
  await running;
  await rt?.shutdown();
  await server?.close();
});

describe("the console page", () => {
  it("loads and connects", async () => {
    await page.locator('[data-testid="status"].live').waitFor({ timeout: 5000 });
    expect(await page.title()).toBe("pollux console");
    expect(await page.getByTestId("mode").textContent()).toBe("full instrumentation");
    await expect.poll(async () => page.getByTestId("fig-alive").textContent(), { timeout: 5000 }).toBe("1");
  });

  it("shows a task spawned after the page opened, and its polls rising", async () => {
    const h = rt.spawn(ticker(20), { name: "late-ticker" });
    handles.push(h);
    await row(h.id).waitFor({ timeout: 5000 });
    expect(await row(h.id).locator('[data-col="name"]').textContent()).toBe("late-ticker");
    expect(await row(h.id).locator('[data-col="awaits"]').textContent()).toMatch(/sleep/i);
    expect(await row(h.id).locator('[data-col="site"]').textContent()).toMatch(
      /console\/page\.test\.ts:\d+:\d+$/,
    );
    // The runtime's polls/s figure counts the ticker's ~50 polls a second.
    await expect
      .poll(async () => num(await page.getByTestId("fig-polls").textContent()), { timeout: 5000 })
      .toBeGreaterThan(10);
    const polls = row(h.id).locator('[data-col="polls"]');
    const first = num(await polls.textContent());
    await expect.poll(async () => num(await polls.textContent()), { timeout: 5000 }).toBeGreaterThan(first);
  });

  it("shows the slow-poll lint of a task that blocks", async () => {
    const h = rt.spawn(blocker(60), { name: "blocker" });
    handles.push(h);
    const lint = page.locator('[data-testid="lint"][data-kind="slow-poll"]', { hasText: `#${h.id}` });
    await lint.waitFor({ timeout: 5000 });
    expect(await lint.textContent()).toMatch(/blocked the event loop|slow/i);
    await expect
      .poll(async () => num(await page.getByTestId("fig-slow").textContent()), { timeout: 5000 })
      .toBeGreaterThan(0);
  });

  it("sorts by a column when its header is clicked", async () => {
    const ids = async () =>
      (await page.locator('[data-testid="task-row"]:visible [data-col="id"]').allTextContents()).map(num);
    await page.getByTestId("th-id").click(); // default is newest first: now oldest first
    expect(await page.getByTestId("th-id").getAttribute("data-sort")).toBe("asc");
    await expect
      .poll(async () => (await ids()).join(), { timeout: 3000 })
      .toBe([...(await ids())].sort((a, b) => a - b).join());
    await page.getByTestId("th-polls").click();
    expect(await page.getByTestId("th-polls").getAttribute("data-sort")).toBe("desc");
    const polls = (
      await page.locator('[data-testid="task-row"]:visible [data-col="polls"]').allTextContents()
    ).map(num);
    expect(polls.length).toBeGreaterThan(1);
    expect(polls).toEqual([...polls].sort((a, b) => b - a));
  });

  it("filters the table with the text box", async () => {
    await page.getByTestId("task-filter").fill("late-tick");
    await expect
      .poll(async () => page.locator('[data-testid="task-row"]:visible').count(), { timeout: 3000 })
      .toBe(1);
    expect(await page.getByTestId("task-count").textContent()).toMatch(/^1 of \d+ tasks$/);
    await page.getByTestId("task-filter").fill("");
  });

  it("shows a task's details when its row is clicked", async () => {
    const ticker = handles[0]!;
    await row(ticker.id).click();
    const detail = page.getByTestId("task-detail");
    await expect.poll(async () => detail.textContent(), { timeout: 3000 }).toContain("late-ticker");
    expect(await detail.locator('[data-field="state"]').textContent()).toMatch(/idle|scheduled|running/);
    await page.getByTestId("detail-histogram").waitFor({ state: "visible", timeout: 3000 });
    expect(await detail.textContent()).toMatch(/spawn site/);
  });

  it("shows the runtime's poll-duration and scheduled-delay histograms", async () => {
    await expect
      .poll(async () => page.getByTestId("runtime-poll-summary").textContent(), { timeout: 3000 })
      .toMatch(/^[\d,]+ polls · p50 ≥ \d+/);
    expect(await page.getByTestId("runtime-delay-summary").textContent()).toMatch(
      /^[\d,]+ delays · p50 ≥ \d+/,
    );
  });

  it("takes the task dump on request", async () => {
    await page.getByTestId("dump-button").click();
    await expect
      .poll(async () => page.getByTestId("dump-text").textContent(), { timeout: 3000 })
      .toContain("late-ticker");
    mkdirSync("test-results", { recursive: true });
    await page.screenshot({ path: "test-results/console.png", fullPage: true });
  });

  it("renders only the visible rows of 10,000 tasks", async () => {
    const many: JoinHandle<unknown>[] = [];
    for (let i = 0; i < 10_000; i++) many.push(rt.spawn(idle(), { name: `idle-${i}` }));
    try {
      await expect
        .poll(async () => num((await page.getByTestId("task-count").textContent())?.split(" ")[0] ?? ""), {
          timeout: 8000,
        })
        .toBeGreaterThanOrEqual(10_000);
      const shown = await page.locator('[data-testid="task-row"]:visible').count();
      expect(shown).toBeGreaterThan(5);
      expect(shown).toBeLessThan(100);
      // Oldest first, scrolled to the end: the newest task is there.
      await page.getByTestId("th-id").click();
      if ((await page.getByTestId("th-id").getAttribute("data-sort")) !== "asc")
        await page.getByTestId("th-id").click();
      await page.getByTestId("task-rows").evaluate((el) => {
        el.scrollTop = el.scrollHeight;
      });
      await row(many[many.length - 1]!.id).waitFor({ timeout: 3000 });
    } finally {
      for (const h of many) h.abort();
    }
  });
});

describe("the console's WebSocket", () => {
  function open(origin: string): Promise<number | "open"> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${url.replace("http", "ws")}/ws`, { origin });
      ws.on("open", () => {
        ws.close();
        resolve("open");
      });
      ws.on("unexpected-response", (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.on("error", (e) => reject(e));
    });
  }

  it("refuses a page from another origin with 403", async () => {
    expect(await open("http://evil.example")).toBe(403);
    // DNS rebinding: a hostile name that resolves to 127.0.0.1 keeps its own name as the origin.
    expect(await open(url.replace("127.0.0.1", "evil.example"))).toBe(403);
  });

  it("accepts its own page", async () => {
    expect(await open(url)).toBe("open");
    expect(await open(url.replace("127.0.0.1", "localhost"))).toBe("open");
  });
});
