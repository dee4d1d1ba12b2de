/**
 * Command-line options of `bench/run.ts`.
 *
 *   --only a,b        run only the named workloads (exact names, comma-separated)
 *   --contenders a,b  run only these contenders (e.g. native,pollux); native is the ratios' base
 *   --samples N       measured samples per contender (default: the workload's, else 7)
 *   --warmup N        warm-up runs per contender (default: the workload's, else 2)
 *   --quick           smoke run: 3 samples, 1 warm-up, small time budget
 *   --timeout S       per-sample timeout in seconds (default 120)
 *   --budget S        wall-time budget per contender and workload, in seconds; a contender whose
 *                     samples would take longer gets fewer samples (never fewer than 3)
 *   --gc major|minor  GC forced before each sample (default minor: young generation only, the
 *                     steady state of a long-lived program; major: full mark-compact, which also
 *                     discards optimized code of libraries whose objects all died, see gc.ts)
 *   --report          regenerate docs/benchmarks.md even for a partial (--only / --quick) run
 *   --list            print the workloads and exit
 */
export interface Options {
  only: string[] | null;
  contenders: string[] | null;
  samples: number | null;
  warmup: number | null;
  quick: boolean;
  timeoutMs: number;
  budgetMs: number;
  gc: "major" | "minor";
  report: boolean;
  list: boolean;
}

const USAGE =
  "usage: node --expose-gc --import tsx bench/run.ts [--only a,b] [--contenders a,b] [--samples N] [--warmup N] [--quick] " +
  "[--timeout S] [--budget S] [--gc major|minor] [--report] [--list]";

function positive(flag: string, raw: string | undefined, allowZero = false): number {
  const n = Number(raw);
  if (
    raw === undefined ||
    !Number.isFinite(n) ||
    n < (allowZero ? 0 : 1) ||
    (flag !== "--timeout" && !Number.isInteger(n))
  ) {
    throw new Error(
      `${flag} expects a ${allowZero ? "non-negative" : "positive"} number; got ${String(raw)}.\n${USAGE}`,
    );
  }
  return n;
}

/** Parse `argv` (without the node and script paths). Throws an Error with the usage on bad input. */
export function parseArgs(argv: readonly string[]): Options {
  const options: Options = {
    only: null,
    contenders: null,
    samples: null,
    warmup: null,
    quick: false,
    timeoutMs: 120_000,
    budgetMs: 30_000,
    gc: "minor",
    report: false,
    list: false,
  };
  let budgetSet = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes("=")
      ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
      : [arg];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case "--only":
        options.only = (value() ?? "")
          .split(",")
          .map((s) => s.trim())
          .filter((s) => s.length > 0);
        if (options.only.length === 0) throw new Error(`--only expects workload names.\n${USAGE}`);
        break;
      case "--contenders":
        options.contenders = (value() ?? "")
          .split(",")
          .map((s) => s.trim())
          .filter((s) => s.length > 0);
        if (options.contenders.length === 0) throw new Error(`--contenders expects names.\n${USAGE}`);
        break;
      case "--samples":
        options.samples = positive(flag, value());
        break;
      case "--warmup":
        options.warmup = positive(flag, value(), true);
        break;
      case "--quick":
        options.quick = true;
        break;
      case "--timeout":
        options.timeoutMs = positive(flag, value()) * 1000;
        break;
      case "--budget":
        options.budgetMs = positive(flag, value()) * 1000;
        budgetSet = true;
        break;
      case "--gc": {
        const kind = value();
        if (kind !== "major" && kind !== "minor")
          throw new Error(`--gc expects major or minor; got ${String(kind)}.\n${USAGE}`);
        options.gc = kind;
        break;
      }
      case "--report":
        options.report = true;
        break;
      case "--list":
        options.list = true;
        break;
      case "--help":
      case "-h":
        throw new Error(USAGE);
      default:
        throw new Error(`unknown option ${JSON.stringify(arg)}.\n${USAGE}`);
    }
  }
  if (options.quick && !budgetSet) options.budgetMs = 5_000;
  return options;
}
