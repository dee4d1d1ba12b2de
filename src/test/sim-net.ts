/**
 * `Sim`: a simulated network, as turmoil does for Tokio. Several programs ("hosts" and "clients")
 * run in one simulation; inside them `pollux/net`'s `TcpListener.bind` and `TcpStream.connect`
 * (same API, same types) go over an in-memory network with seeded latency, partitions and host
 * crashes. Real sockets are never opened.
 *
 * HOW. `TcpListener.bind` and `TcpStream.connect` consult one module-level switch
 * (`net/sim-hook.ts`) when their future is built; `Sim` sets it only while its simulated runtime
 * polls (the scheduler's drain start and end), so nothing else in the process is affected and the
 * normal path pays one null check per bind or connect, none per read or write. Which host a task
 * belongs to is learned from the scheduler: a host's main task adopts its host at its first poll,
 * and every task spawned by a task of a host belongs to that host.
 *
 * A connection is a `faultyDuplex` link (two FIFO byte pipes with per-write seeded latency on the
 * paused clock and a bounded buffer for backpressure) between two `SimTcpStream`s, which are
 * `TcpStream`s whose Node socket is a stub that is never used: every read, write, shutdown and
 * close goes to the link. A partition stalls the links between two hosts (bytes are held, TCP
 * style, and delivered after repair); a crash resets the host's links (peers get
 * `ConnectionReset`), closes its listeners and aborts its tasks; a restart runs its main again.
 */
import type { Future, Suspend } from "../future/future.js";
import { FutureBase } from "../future/future.js";
import { type Context, PENDING, type Poll } from "../future/poll.js";
import { IoError } from "../io/error.js";
import { Readiness } from "../io/registration.js";
import type { Acceptor } from "../net/acceptor.js";
import type { SocketAddr } from "../net/addr.js";
import { type NetBackend, simNet } from "../net/sim-hook.js";
import { checkHighWaterMark } from "../net/socket-stream.js";
import { TcpListener } from "../net/tcp-listener.js";
import { TcpStream } from "../net/tcp-stream.js";
import { spawn } from "../task/spawn.js";
import type { JoinHandle, Task } from "../task/task.js";
import { Instant } from "../time/instant.js";
import { type Sleep, sleepUntil } from "../time/sleep.js";
import { checkLatency, Direction, type FaultyDuplexOptions, Link } from "./faulty-duplex.js";
import type { SchedulerObserver, SimScheduler } from "./scheduler.js";
import {
  checkFlag,
  checkKeys,
  checkMaxPolls,
  checkSeed,
  runSimulated,
  SimulationError,
  type SimulationResult,
} from "./simulate.js";

/** What a host or a client runs: a generator function (called again on `restart`), or a function returning a future. */
export type SimProgram<T = unknown> = () => Generator<Suspend, T, unknown> | Future<T>;

/** Options of {@link Sim}. */
export interface SimOptions {
  /** The run's seed: a positive safe integer. The same seed (and programs) replays the same run. */
  seed: number;
  /**
   * One-way delay of every write (and of a connection's setup), in milliseconds of the simulated
   * clock: a number, or `{ min, max }` drawn per write from the seed. Default `{ min: 0, max: 10 }`.
   */
  latencyMs?: FaultyDuplexOptions["latencyMs"];
  /** As `simulate`'s: seeded yields at await points and spurious wakes. Default false. */
  chaos?: boolean;
  /** Record the trace of spawns, wakes, polls and completions. Default false. */
  trace?: boolean;
  /** As `simulate`'s: fail after this many task polls. Default 1,000,000. */
  maxPolls?: number;
}

const OPTION_KEYS = new Set(["seed", "latencyMs", "chaos", "trace", "maxPolls"]);
const FIRST_EPHEMERAL_PORT = 49152;

class SimHost {
  readonly listeners = new Map<number, SimTcpListener>();
  readonly tasks = new Set<Task<unknown>>();
  nextPort = FIRST_EPHEMERAL_PORT;
  down = false;

  constructor(
    readonly name: string,
    readonly ip: string,
    readonly main: SimProgram,
    readonly isClient: boolean,
  ) {}

  ephemeralPort(): number {
    while (this.listeners.has(this.nextPort)) this.nextPort++;
    const port = this.nextPort++;
    if (this.nextPort > 65535) this.nextPort = FIRST_EPHEMERAL_PORT;
    return port;
  }
}

/** One connection: its link and the two hosts it joins. */
interface Conn {
  readonly link: Link;
  readonly a: SimHost;
  readonly b: SimHost;
  /** The ends on `a` and on `b`. */
  ends: [SimTcpStream, SimTcpStream] | null;
}

function pairKey(a: SimHost, b: SimHost): string {
  return a.name < b.name ? `${a.name}\u0000${b.name}` : `${b.name}\u0000${a.name}`;
}

function sockAddr(address: string, port: number): SocketAddr {
  return { address, port, family: "IPv4" };
}

/**
 * A simulated network and the programs on it. Declare hosts (servers: run until the simulation
 * ends, can crash and restart) and clients (the simulation ends when every client has returned),
 * then `run()`. Inside them, `TcpListener.bind` and `TcpStream.connect` work on the simulated
 * network: host names (or their addresses 10.0.0.1, 10.0.0.2, ... in declaration order) are the
 * only hosts; `localhost` is the host itself.
 *
 * Faults, callable from any task of the simulation (typically a client's, after a `sleep`):
 * {@link Sim.partition} / {@link Sim.repair}, {@link Sim.crash} / {@link Sim.restart}.
 *
 * Everything `simulate` controls is controlled here too (the same seed gives the same schedule,
 * latencies and trace, event for event); a run fails with a `SimulationError` when a client throws,
 * a host task fails unobserved, the program deadlocks or exceeds `maxPolls`.
 *
 * @example
 * const sim = new Sim({ seed: 7, latencyMs: { min: 1, max: 20 } });
 * sim.host("server", function* () {
 *   using listener = yield* TcpListener.bind("0.0.0.0:80");
 *   for (;;) {
 *     const [conn] = yield* listener.accept();
 *     spawn(echo(conn));
 *   }
 * });
 * sim.client("client", function* () {
 *   using conn = yield* TcpStream.connect("server:80");
 *   sim.partition("client", "server");
 *   // a read now times out; after sim.repair("client", "server") the held bytes arrive
 * });
 * const { value } = await sim.run(); // { client: <what the client returned> }
 */
export class Sim {
  private readonly hosts = new Map<string, SimHost>();
  private readonly byIp = new Map<string, SimHost>();
  private readonly seed: number;
  private readonly chaos: boolean;
  private readonly trace: boolean;
  private readonly maxPolls: number;
  private readonly net: SimNetwork;
  private state: "setup" | "running" | "done" = "setup";

  constructor(options: SimOptions) {
    const o = checkKeys("Sim", options, OPTION_KEYS);
    if (o.seed === undefined) {
      throw new TypeError("new Sim() needs a seed: new Sim({ seed: 1 }); the same seed replays the run.");
    }
    this.seed = checkSeed(o.seed, "Sim option seed");
    this.chaos = checkFlag("Sim", "chaos", o.chaos);
    this.trace = checkFlag("Sim", "trace", o.trace);
    this.maxPolls = checkMaxPolls("Sim", o.maxPolls);
    const latency = checkLatency(
      (o.latencyMs ?? { min: 0, max: 10 }) as FaultyDuplexOptions["latencyMs"],
      "Sim",
    );
    this.net = new SimNetwork(this.hosts, this.byIp, latency);
  }

  /**
   * Add a host: `main` runs from the start of the simulation until it returns, the simulation ends,
   * or {@link Sim.crash}; {@link Sim.restart} calls `main` again. Its address is 10.0.0.N (N: the
   * order of declaration among hosts and clients). Returns the sim, for chaining.
   *
   * @example
   * sim.host("db", function* () { using l = yield* TcpListener.bind("0.0.0.0:5432"); ... });
   */
  host(name: string, main: SimProgram): this {
    this.add(name, main, false, "host");
    return this;
  }

  /**
   * Add a client: like a host, but `run()` waits for every client's `main` to return (and resolves
   * with what each returned, by name), and a client that throws fails the run. Clients cannot be
   * crashed.
   *
   * @example
   * sim.client("client", function* () { using c = yield* TcpStream.connect("db:5432"); ... });
   */
  client(name: string, main: SimProgram): this {
    this.add(name, main, true, "client");
    return this;
  }

  private add(name: string, main: SimProgram, isClient: boolean, fn: string): void {
    if (this.state !== "setup") {
      throw new Error(`sim.${fn}(${JSON.stringify(name)}): declare hosts and clients before run().`);
    }
    if (typeof name !== "string" || !/^[A-Za-z][A-Za-z0-9_.-]*$/.test(name)) {
      throw new TypeError(
        `sim.${fn}(name): the name must be a host name (a letter, then letters, digits, "_", "-" or "."); got ${JSON.stringify(name) ?? String(name)}.`,
      );
    }
    if (name === "localhost")
      throw new TypeError(`sim.${fn}("localhost"): localhost is each host itself; pick another name.`);
    if (this.hosts.has(name)) {
      throw new Error(
        `sim.${fn}(${JSON.stringify(name)}): a host or client of that name already exists; names must be unique.`,
      );
    }
    if (typeof main !== "function") {
      throw new TypeError(
        `sim.${fn}(${JSON.stringify(name)}, main): main must be a generator function (function* () { ... }), so a restart can run it again; got ${typeof main}.`,
      );
    }
    const ip = `10.0.${(this.hosts.size + 1) >> 8}.${(this.hosts.size + 1) & 255}`;
    const h = new SimHost(name, ip, main, isClient);
    this.hosts.set(name, h);
    this.byIp.set(ip, h);
  }

  /**
   * Cut the network between hosts `a` and `b`, both ways: bytes already sent and sent from now on
   * are held (as TCP retransmits them) and delivered after {@link Sim.repair}; reads wait (a
   * `timeout` around them fires), writes fill the link's buffer and then wait; a connect between
   * them waits until the repair. Idempotent. Callable before `run()` or from any task.
   *
   * @example
   * sim.partition("client", "server");
   */
  partition(a: string, b: string): void {
    this.net.partition(this.pair("partition", a, b), true);
  }

  /**
   * Undo {@link Sim.partition}: held bytes and waiting connects go through. Idempotent.
   *
   * @example
   * sim.repair("client", "server");
   */
  repair(a: string, b: string): void {
    this.net.partition(this.pair("repair", a, b), false);
  }

  /**
   * Crash a host (declared with {@link Sim.host}): its tasks are aborted, its listeners closed,
   * and its connections reset (the peers' reads and writes throw `IoError` "ConnectionReset");
   * until {@link Sim.restart}, connects to it wait as for an unreachable host. Call it from
   * another host's or a client's task, not from the crashing host itself.
   *
   * @example
   * sim.crash("server");
   */
  crash(name: string): void {
    const h = this.serverHost("crash", name);
    if (this.state !== "running") {
      throw new Error(`sim.crash(${JSON.stringify(name)}): call it from a task of the running simulation.`);
    }
    if (h.down)
      throw new Error(`sim.crash(${JSON.stringify(name)}): the host is already down; restart() it first.`);
    this.net.crash(h);
  }

  /**
   * Run a crashed host's `main` again, with fresh state (no listeners, no connections). Callable
   * from any task of the simulation.
   *
   * @example
   * sim.restart("server");
   */
  restart(name: string): void {
    const h = this.serverHost("restart", name);
    if (!h.down)
      throw new Error(`sim.restart(${JSON.stringify(name)}): the host is running; crash() it first.`);
    if (this.state !== "running")
      throw new Error(`sim.restart(${JSON.stringify(name)}): call it from a task of the running simulation.`);
    this.net.restart(h);
  }

  /**
   * Run the simulation: every host's and client's `main` is spawned (in declaration order), and
   * the run ends when every client has returned; hosts still running are then cancelled. Resolves
   * with `value`: what each client returned, by name. Rejects with a `SimulationError` (naming the
   * seed) when a client throws, a host's task fails and nobody awaits it, the program deadlocks,
   * or it polls `maxPolls` times. Runs once per `Sim`.
   *
   * @example
   * const { value, trace } = await sim.run();
   */
  async run(): Promise<SimulationResult<Record<string, unknown>>> {
    if (this.state !== "setup")
      throw new Error("sim.run(): a Sim runs once; build a new Sim (with the same setup) to run again.");
    if (![...this.hosts.values()].some((h) => h.isClient)) {
      throw new Error(
        "sim.run(): no client; the simulation ends when every client has returned. Add one with sim.client(name, main).",
      );
    }
    this.state = "running";
    const net = this.net;
    const hosts = [...this.hosts.values()];
    function* root(): Generator<Suspend, Record<string, unknown>, unknown> {
      const clients: [string, JoinHandle<unknown>][] = [];
      for (const h of hosts) {
        const handle = net.start(h);
        if (h.isClient) clients.push([h.name, handle]);
      }
      const value: Record<string, unknown> = {};
      for (const [name, handle] of clients) value[name] = yield* handle;
      return value;
    }
    let out: Awaited<ReturnType<typeof runSimulated<Record<string, unknown>>>>;
    try {
      out = await runSimulated(root, null, this.seed, this.chaos, this.trace, this.maxPolls, (s) => {
        net.scheduler = s;
        s.observer = net;
      });
    } finally {
      simNet.backend = null;
      this.state = "done";
    }
    if (!out.ok) {
      const replay = `new Sim({ seed: ${this.seed}${this.chaos ? ", chaos: true" : ""} }) with the same hosts and clients, then run()`;
      throw new SimulationError(this.seed, replay, out.error, out.trace, out.polls);
    }
    return {
      value: out.value as Record<string, unknown>,
      seed: this.seed,
      polls: out.polls,
      choicePoints: out.choicePoints,
      trace: out.trace,
    };
  }

  private host1(fn: string, name: string): SimHost {
    const h = this.hosts.get(name);
    if (h === undefined) {
      throw new Error(
        `sim.${fn}(): no host or client named ${JSON.stringify(name)}; declared: ${[...this.hosts.keys()].join(", ") || "none"}.`,
      );
    }
    return h;
  }

  private pair(fn: string, a: string, b: string): [SimHost, SimHost] {
    const ha = this.host1(fn, a);
    const hb = this.host1(fn, b);
    if (ha === hb)
      throw new Error(
        `sim.${fn}(${JSON.stringify(a)}, ${JSON.stringify(b)}): a host cannot be partitioned from itself.`,
      );
    return [ha, hb];
  }

  private serverHost(fn: string, name: string): SimHost {
    const h = this.host1(fn, name);
    if (h.isClient) {
      throw new Error(
        `sim.${fn}(${JSON.stringify(name)}): ${JSON.stringify(name)} is a client (run() waits for its result); only hosts declared with sim.host() crash and restart.`,
      );
    }
    return h;
  }
}

/** @internal the network state, the `TcpListener`/`TcpStream` backend, and the scheduler observer. */
class SimNetwork implements NetBackend, SchedulerObserver {
  scheduler: SimScheduler | null = null;
  private readonly hostOf = new Map<Task<unknown>, SimHost>();
  private readonly partitions = new Set<string>();
  private readonly conns = new Set<Conn>();
  /** Connections of a crashed host across a partition: reset when the partition is repaired. */
  private readonly doomed = new Set<Conn>();
  /** Connects waiting for a partition to heal or a host to come back. */
  readonly parked = new Set<Readiness>();

  constructor(
    readonly hosts: Map<string, SimHost>,
    readonly byIp: Map<string, SimHost>,
    readonly latency: () => number,
  ) {}

  // --- SchedulerObserver ---

  enter(): void {
    simNet.backend = this;
  }

  exit(): void {
    simNet.backend = null;
  }

  spawned(task: Task<unknown>, by: Task<unknown> | null): void {
    const h = by === null ? undefined : this.hostOf.get(by);
    if (h !== undefined) this.adopt(task, h);
  }

  done(task: Task<unknown>): void {
    const h = this.hostOf.get(task);
    if (h === undefined) return;
    this.hostOf.delete(task);
    h.tasks.delete(task);
  }

  private adopt(task: Task<unknown>, h: SimHost): void {
    this.hostOf.set(task, h);
    h.tasks.add(task);
  }

  /** The host of the task being polled, or undefined. */
  currentHost(): SimHost | undefined {
    const t = this.scheduler?.current ?? null;
    return t === null ? undefined : this.hostOf.get(t);
  }

  /** Spawn `h`'s main as a task of `h`. */
  start(h: SimHost): JoinHandle<unknown> {
    const net = this;
    function* hostMain(): Generator<Suspend, unknown, unknown> {
      const task = net.scheduler?.current ?? null;
      if (task !== null) net.adopt(task, h);
      return yield* h.main() as Iterable<Suspend, unknown, unknown> as Generator<Suspend, unknown, unknown>;
    }
    return spawn(hostMain, { name: h.name });
  }

  // --- faults ---

  reachable(a: SimHost, b: SimHost): boolean {
    return !a.down && !b.down && (a === b || !this.partitions.has(pairKey(a, b)));
  }

  partition([a, b]: [SimHost, SimHost], on: boolean): void {
    const key = pairKey(a, b);
    if (on) this.partitions.add(key);
    else this.partitions.delete(key);
    for (const c of this.conns) {
      if ((c.a === a && c.b === b) || (c.a === b && c.b === a)) {
        if (on) c.link.stall();
        else c.link.resume();
      }
    }
    if (on) return;
    for (const c of [...this.doomed]) {
      if ((c.a === a && c.b === b) || (c.a === b && c.b === a)) {
        // The peer learns of the crash only now, as a TCP reset would reach it after the repair.
        this.doomed.delete(c);
        c.link.resume();
        c.link.reset();
      }
    }
    this.wakeParked();
  }

  crash(h: SimHost): void {
    h.down = true;
    for (const c of [...this.conns]) {
      if (c.a === h || c.b === h) {
        c.link.resetMessage = `: connection reset (simulated host ${JSON.stringify(h.name)} crashed)`;
        this.conns.delete(c);
        // The crashed host's end no longer touches the link (its tasks' cleanup must not send a FIN).
        c.ends?.[c.a === h ? 0 : 1]?.detach();
        if (c.a !== c.b && this.partitions.has(pairKey(c.a, c.b))) this.doomed.add(c);
        else c.link.reset();
      }
    }
    for (const l of [...h.listeners.values()]) l.close();
    h.listeners.clear();
    const tasks = [...h.tasks];
    h.tasks.clear();
    for (const t of tasks) {
      this.hostOf.delete(t);
      t.abort();
    }
  }

  restart(h: SimHost): void {
    h.down = false;
    h.nextPort = FIRST_EPHEMERAL_PORT;
    this.start(h);
    this.wakeParked();
  }

  private wakeParked(): void {
    const parked = [...this.parked];
    this.parked.clear();
    for (const w of parked) w.wake();
  }

  // --- NetBackend ---

  bind(host: string, port: number, text: string, hwm: number, backlog: number): FutureBase<TcpListener> {
    return new SimBindFuture(this, host, port, text, hwm, backlog);
  }

  connect(host: string, port: number, text: string, hwm: number): FutureBase<TcpStream> {
    return new SimConnectFuture(this, host, port, text, hwm);
  }

  /** @internal the host the calling task runs on; throws when none. */
  here(what: string): SimHost {
    const h = this.currentHost();
    if (h === undefined) {
      throw new IoError(
        "InvalidInput",
        `${what} under a network simulation must be awaited by a task of a sim.host() or sim.client() (or a task they spawned): the simulated network needs to know which host it runs on`,
      );
    }
    return h;
  }

  /** @internal resolve a connect target: a host name, a host address, or localhost. */
  resolve(from: SimHost, host: string, what: string, text: string): SimHost {
    if (host === "localhost" || host === "127.0.0.1" || host === "::1") return from;
    const h = this.hosts.get(host) ?? this.byIp.get(host);
    if (h === undefined) {
      const known = [...this.hosts.values()].map((x) => `${x.name} (${x.ip})`).join(", ");
      throw new IoError(
        "NotFound",
        `${what}: no simulated host ${JSON.stringify(host)}; the hosts are ${known}, and localhost`,
        { address: text },
      );
    }
    return h;
  }

  /** @internal open a connection from `from` to `listener` (reachable, listening). */
  open(from: SimHost, listener: SimTcpListener, text: string, hwm: number): TcpStream {
    const to = listener.host;
    const link = new Link(this.latency, "", "TcpStream", text);
    const toServer = new Direction(link, listener.hwm);
    const toClient = new Direction(link, hwm);
    link.dirs.push(toServer, toClient);
    const conn: Conn = { link, a: from, b: to, ends: null };
    this.conns.add(conn);
    const clientAddr = sockAddr(from.ip, from.ephemeralPort());
    const serverAddr = sockAddr(to.ip, listener.port);
    const client = new SimTcpStream(toClient, toServer, clientAddr, serverAddr, hwm, () =>
      this.conns.delete(conn),
    );
    const server = new SimTcpStream(toServer, toClient, serverAddr, clientAddr, listener.hwm, () =>
      this.conns.delete(conn),
    );
    conn.ends = [client, server];
    listener.push(server);
    return client;
  }
}

/**
 * A `TcpStream` over the simulated network: the same class to user code (`instanceof TcpStream`,
 * `localAddr`, `peerAddr`, every reader and writer method), its bytes carried by a simulated link.
 * Its Node socket is an inert stub that nothing reads or writes.
 */
class SimTcpStream extends TcpStream {
  private simClosed = false;

  constructor(
    private readonly rx: Direction,
    private readonly tx: Direction,
    local: SocketAddr,
    private readonly remote: SocketAddr,
    hwm: number,
    private readonly released: () => void,
  ) {
    super(stubSocket(local, remote), hwm);
  }

  private simClosedError(op: string): IoError {
    return new IoError(
      op === "read" ? "Other" : "BrokenPipe",
      `${op} on a closed TcpStream: close() (or disposal with \`using\`) ended it`,
      { address: `${this.remote.address}:${this.remote.port}` },
    );
  }

  override pollRead(cx: Context, buf: Uint8Array): Poll<number> {
    if (this.simClosed) throw this.simClosedError("read");
    return this.rx.pollRead(cx, buf);
  }

  override cancelRead(): void {
    this.rx.readable.clear();
  }

  override pollWrite(cx: Context, buf: Uint8Array): Poll<number> {
    if (this.simClosed) throw this.simClosedError("write");
    return this.tx.pollWrite(cx, buf);
  }

  override pollFlush(_cx: Context): Poll<void> {
    if (this.simClosed) throw this.simClosedError("flush");
  }

  override pollShutdown(_cx: Context): Poll<void> {
    if (this.simClosed) throw this.simClosedError("shutdown");
    if (!this.tx.writeClosed) this.tx.closeWrite();
  }

  override cancelWrite(): void {
    this.tx.writable.clear();
  }

  /** Validated and ignored: the link's buffer per direction is the receiver's mark when it connected. */
  override setReadHighWaterMark(bytes: number): void {
    checkHighWaterMark(bytes, "TcpStream.setReadHighWaterMark");
  }

  override get bufferedBytes(): number {
    return this.rx.queued;
  }

  /** @internal its host crashed: it is closed, and closing it again does not touch the link. */
  detach(): void {
    this.simClosed = true;
  }

  override close(): void {
    if (this.simClosed) return;
    this.simClosed = true;
    if (!this.tx.writeClosed) this.tx.closeWrite();
    if (!this.rx.readClosed) this.rx.closeRead();
    if (this.tx.readClosed) this.released();
  }

  override get isClosed(): boolean {
    return this.simClosed;
  }

  override describe(): string {
    return `TcpStream(simulated, ${this.remote.address}:${this.remote.port})`;
  }
}

function stubSocket(local: SocketAddr, remote: SocketAddr): never {
  const nothing = (): undefined => undefined;
  return {
    remoteAddress: remote.address,
    remotePort: remote.port,
    remoteFamily: "IPv4",
    address: () => ({ address: local.address, port: local.port, family: "IPv4" }),
    pause: nothing,
    resume: nothing,
    on: nothing,
    off: nothing,
    setNoDelay: nothing,
    destroyed: false,
  } as never;
}

/** A `TcpListener` on the simulated network. */
class SimTcpListener extends TcpListener {
  private readonly queue: SimTcpStream[] = [];
  private readonly waiter = new Readiness(false);
  private simClosed = false;
  private dropped = 0;

  constructor(
    readonly host: SimHost,
    readonly port: number,
    readonly hwm: number,
    private readonly backlog: number,
  ) {
    super(null as unknown as Acceptor<TcpStream>);
  }

  /** @internal queue an incoming connection; false when the backlog is full. */
  push(stream: SimTcpStream): void {
    if (this.queue.length >= this.backlog) {
      this.dropped++;
      stream.close();
      return;
    }
    this.queue.push(stream);
    this.waiter.wake();
  }

  /** @internal */
  pollAccept(cx: Context): Poll<[TcpStream, SocketAddr]> {
    if (this.simClosed) {
      throw new IoError(
        "Other",
        `accept on a closed TcpListener (simulated ${this.host.name}:${this.port})`,
        {
          address: `${this.host.ip}:${this.port}`,
        },
      );
    }
    const s = this.queue.shift();
    if (s !== undefined) return [s, s.peerAddr()];
    this.waiter.register(cx);
    return PENDING;
  }

  /** @internal */
  cancelAccept(): void {
    this.waiter.clear();
  }

  override accept(): FutureBase<[TcpStream, SocketAddr]> {
    return new SimAcceptFuture(this);
  }

  override localAddr(): SocketAddr {
    return sockAddr(this.host.ip, this.port);
  }

  override get droppedConnections(): number {
    return this.dropped;
  }

  override close(): void {
    if (this.simClosed) return;
    this.simClosed = true;
    if (this.host.listeners.get(this.port) === this) this.host.listeners.delete(this.port);
    for (const s of this.queue.splice(0)) s.close();
    this.waiter.wake();
  }

  override get isClosed(): boolean {
    return this.simClosed;
  }
}

class SimAcceptFuture extends FutureBase<[TcpStream, SocketAddr]> {
  constructor(private readonly listener: SimTcpListener) {
    super();
  }

  poll(cx: Context): Poll<[TcpStream, SocketAddr]> {
    return this.listener.pollAccept(cx);
  }

  override cancel(): void {
    this.listener.cancelAccept();
  }

  override describe(): string {
    return `TcpListener.accept() (simulated ${this.listener.host.name}:${this.listener.port})`;
  }
}

const ANY_ADDRESSES = new Set(["0.0.0.0", "::", "localhost", "127.0.0.1", "::1"]);

class SimBindFuture extends FutureBase<TcpListener> {
  private done = false;

  constructor(
    private readonly net: SimNetwork,
    private readonly host: string,
    private readonly port: number,
    private readonly text: string,
    private readonly hwm: number,
    private readonly backlog: number,
  ) {
    super();
  }

  poll(_cx: Context): Poll<TcpListener> {
    const what = `TcpListener.bind(${this.text})`;
    if (this.done) throw new Error(`${what} future polled after it completed`);
    this.done = true;
    const h = this.net.here(what);
    if (!ANY_ADDRESSES.has(this.host) && this.host !== h.ip && this.host !== h.name) {
      throw new IoError(
        "AddrNotAvailable",
        `${what}: ${this.host} is not an address of simulated host ${JSON.stringify(h.name)}; bind 0.0.0.0, ${h.ip} or ${h.name}`,
        { address: this.text },
      );
    }
    const port = this.port === 0 ? h.ephemeralPort() : this.port;
    if (h.listeners.has(port)) {
      throw new IoError(
        "AddrInUse",
        `${what}: port ${port} of simulated host ${JSON.stringify(h.name)} already has a listener; close it first or bind port 0`,
        { address: this.text },
      );
    }
    const listener = new SimTcpListener(h, port, this.hwm, this.backlog);
    h.listeners.set(port, listener);
    return listener;
  }

  override describe(): string {
    return `TcpListener.bind(${this.text}) (simulated)`;
  }
}

const C_IDLE = 0;
const C_DELAY = 1;
const C_DONE = 2;

class SimConnectFuture extends FutureBase<TcpStream> {
  private state = C_IDLE;
  private from: SimHost | null = null;
  private to: SimHost | null = null;
  private timer: Sleep | null = null;
  private readonly parked = new Readiness(false);

  constructor(
    private readonly net: SimNetwork,
    private readonly host: string,
    private readonly port: number,
    private readonly text: string,
    private readonly hwm: number,
  ) {
    super();
  }

  poll(cx: Context): Poll<TcpStream> {
    const what = `TcpStream.connect(${this.text})`;
    if (this.state === C_DONE) throw new Error(`${what} future polled after it completed or was cancelled`);
    if (this.state === C_IDLE) {
      const from = this.net.here(what);
      this.from = from;
      this.to = this.net.resolve(from, this.host, what, this.text);
      this.timer = sleepUntil(Instant.fromMillis(Instant.now().ms + this.net.latency()));
      this.state = C_DELAY;
    }
    if (this.timer!.poll(cx) === PENDING) return PENDING;
    const from = this.from!;
    const to = this.to!;
    if (!this.net.reachable(from, to)) {
      // Unreachable (partitioned, or a host down): wait for a repair or a restart, as a SYN is
      // retransmitted; a `timeout` around the connect bounds the wait.
      this.parked.register(cx);
      this.net.parked.add(this.parked);
      return PENDING;
    }
    this.state = C_DONE;
    const listener = to.listeners.get(this.port);
    if (listener === undefined || listener.isClosed) {
      throw new IoError(
        "ConnectionRefused",
        `${what}: connection refused: simulated host ${JSON.stringify(to.name)} (${to.ip}) has no listener on port ${this.port}`,
        { address: this.text },
      );
    }
    return this.net.open(from, listener, this.text, this.hwm);
  }

  override cancel(): void {
    this.state = C_DONE;
    this.timer?.cancel();
    this.parked.clear();
    this.net.parked.delete(this.parked);
  }

  override describe(): string {
    return `TcpStream.connect(${this.text}) (simulated)`;
  }
}
