/**
 * The command table: each command reads its arguments as byte ranges of the parser's buffer and
 * appends its reply to the connection's writer. Commands are synchronous: the keyspace lives in
 * this process, so nothing here waits (as in Redis, one command runs to completion before the
 * next). Pub/sub commands delegate to the connection's `Subscriptions`.
 *
 * Replies and error texts follow Redis 7 so that real clients (redis-cli, redis-benchmark,
 * ioredis) see what they expect.
 */
import { NameTable } from "./command-names.js";
import { type Db, KEEP_TTL, now } from "./db.js";
import { globMatch } from "./glob.js";
import type { PubSub } from "./pubsub.js";
import { EMPTY_ARRAY, NIL, OK, PONG, type RespWriter } from "./resp-writer.js";
import type { Subscriptions } from "./subscriptions.js";

/** A parsed command: arguments are `buf[starts[i]..ends[i])` (what `RespParser` exposes). */
export interface Args {
  readonly buf: Buffer;
  readonly starts: readonly number[];
  readonly ends: readonly number[];
}

/** What a command can reach: the server's shared state and the connection's own. */
export interface Session {
  readonly db: Db;
  readonly pubsub: PubSub;
  /** CONFIG GET answers from here. */
  readonly config: ReadonlyMap<string, string>;
  /** The connection's subscriptions (made at its first SUBSCRIBE/PSUBSCRIBE). */
  subscriptions(): Subscriptions;
  /** Subscriptions in force (0: not in subscribe mode). */
  readonly subscriptionCount: number;
  /** Set by QUIT: the handler closes the connection after flushing the reply. */
  quit: boolean;
}

type Handler = (s: Session, a: Args, argc: number, out: RespWriter) => void;

interface Command {
  readonly name: string;
  /** Redis arity: n = exactly n arguments (name included), -n = at least n. */
  readonly arity: number;
  readonly flags: readonly string[];
  readonly firstKey: number;
  readonly lastKey: number;
  readonly run: Handler;
}

// --- argument helpers ---

/** Argument `i` as a latin1 string (binary-safe: one char per byte). */
export function argStr(a: Args, i: number): string {
  // Node also has an undocumented `latin1Slice` that skips toString's argument checks (~15 ns a
  // key); an example others copy from keeps to the documented API.
  return a.buf.toString("latin1", a.starts[i], a.ends[i]);
}

/**
 * Up to this size a value is copied byte by byte into a plain `Uint8Array` (which V8 allocates on
 * its heap): for small values, such as redis-benchmark's 3-byte default, that is 2-4x cheaper than
 * `Buffer.allocUnsafe` + `copy` (native calls and a pool slice). Measured on Node 20, the byte
 * loop loses from about 28 bytes on, so larger values take the native copy.
 */
const SMALL_COPY = 24;

/** A private copy of argument `i` (the parser's buffer is reused after the batch). */
function argCopy(a: Args, i: number): Uint8Array {
  const s = a.starts[i]!;
  const e = a.ends[i]!;
  const buf = a.buf;
  if (e - s <= SMALL_COPY) {
    const v = new Uint8Array(e - s);
    for (let k = s; k < e; k++) v[k - s] = buf[k]!;
    return v;
  }
  const v = Buffer.allocUnsafe(e - s);
  buf.copy(v, 0, s, e);
  return v;
}

/** Whether argument `i` equals `upper` (an upper-case ASCII word), ignoring case. */
function argIs(a: Args, i: number, upper: string): boolean {
  const s = a.starts[i]!;
  if (a.ends[i]! - s !== upper.length) return false;
  const buf = a.buf;
  for (let k = 0; k < upper.length; k++) {
    let c = buf[s + k]!;
    if (c >= 97 && c <= 122) c -= 32;
    if (c !== upper.charCodeAt(k)) return false;
  }
  return true;
}

const NOT_INT = Number.NaN;

/** A signed 64-bit decimal in bytes[s..e) as a number when it is a safe integer; NaN otherwise. */
function parseInteger(buf: Uint8Array, s: number, e: number): number {
  if (s === e || e - s > 20) return NOT_INT;
  let i = s;
  let neg = false;
  if (buf[i] === 45) {
    neg = true;
    if (++i === e) return NOT_INT;
  }
  // Redis rejects leading zeros ("01") and "-0".
  if (buf[i] === 48 && (e - i > 1 || neg)) return NOT_INT;
  let n = 0;
  for (; i < e; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return NOT_INT;
    n = n * 10 + d;
  }
  if (n > Number.MAX_SAFE_INTEGER) return NOT_INT;
  return neg ? -n : n;
}

function argInt(a: Args, i: number): number {
  return parseInteger(a.buf, a.starts[i]!, a.ends[i]!);
}

// --- errors ---

function wrongArity(out: RespWriter, name: string): void {
  out.error(`ERR wrong number of arguments for '${name}' command`);
}

const NOT_AN_INTEGER = "ERR value is not an integer or out of range";
const SYNTAX = "ERR syntax error";

// --- string commands ---

function get(s: Session, a: Args, _argc: number, out: RespWriter): void {
  const v = s.db.get(argStr(a, 1));
  if (v === undefined) out.raw(NIL);
  else out.bulk(v);
}

/** SET key value [NX|XX] [GET] [EX s|PX ms|KEEPTTL] */
function set(s: Session, a: Args, argc: number, out: RespWriter): void {
  let nx = false;
  let xx = false;
  let wantOld = false;
  let deadline: number | undefined | typeof KEEP_TTL;
  for (let i = 3; i < argc; i++) {
    if (argIs(a, i, "NX") && !xx) nx = true;
    else if (argIs(a, i, "XX") && !nx) xx = true;
    else if (argIs(a, i, "GET")) wantOld = true;
    else if (argIs(a, i, "KEEPTTL") && deadline === undefined) deadline = KEEP_TTL;
    else if ((argIs(a, i, "EX") || argIs(a, i, "PX")) && deadline === undefined && i + 1 < argc) {
      const n = argInt(a, i + 1);
      if (Number.isNaN(n)) {
        out.error(NOT_AN_INTEGER);
        return;
      }
      const ms = argIs(a, i, "EX") ? n * 1000 : n;
      if (n <= 0 || !Number.isSafeInteger(ms)) {
        out.error("ERR invalid expire time in 'set' command");
        return;
      }
      deadline = now() + ms;
      i++;
    } else {
      out.error(SYNTAX);
      return;
    }
  }
  const key = argStr(a, 1);
  const old = nx || xx || wantOld ? s.db.get(key) : undefined;
  if ((nx && old !== undefined) || (xx && old === undefined)) {
    if (wantOld && old !== undefined) out.bulk(old);
    else out.raw(NIL);
    return;
  }
  s.db.set(key, argCopy(a, 2), deadline);
  if (!wantOld) out.raw(OK);
  else if (old === undefined) out.raw(NIL);
  else out.bulk(old);
}

function del(s: Session, a: Args, argc: number, out: RespWriter): void {
  let n = 0;
  for (let i = 1; i < argc; i++) if (s.db.delete(argStr(a, i))) n++;
  out.integer(n);
}

function exists(s: Session, a: Args, argc: number, out: RespWriter): void {
  let n = 0;
  for (let i = 1; i < argc; i++) if (s.db.has(argStr(a, i))) n++;
  out.integer(n);
}

function incrBy(s: Session, a: Args, out: RespWriter, by: number): void {
  const key = argStr(a, 1);
  const v = s.db.get(key);
  let n = 0;
  if (v !== undefined) {
    n = parseInteger(v, 0, v.length);
    if (Number.isNaN(n)) {
      out.error(NOT_AN_INTEGER);
      return;
    }
  }
  const next = n + by;
  // Redis's range is int64; beyond 2^53 a JavaScript number is no longer exact, so the range
  // here is the safe-integer one, and leaving it is the overflow error.
  if (!Number.isSafeInteger(next)) {
    out.error("ERR increment or decrement would overflow");
    return;
  }
  s.db.set(key, Buffer.from(String(next), "latin1"), KEEP_TTL);
  out.integer(next);
}

function incr(s: Session, a: Args, _argc: number, out: RespWriter): void {
  incrBy(s, a, out, 1);
}

function decr(s: Session, a: Args, _argc: number, out: RespWriter): void {
  incrBy(s, a, out, -1);
}

/** EXPIRE key seconds [NX|XX|GT|LT] */
function expire(s: Session, a: Args, argc: number, out: RespWriter): void {
  const secs = argInt(a, 2);
  if (Number.isNaN(secs) || !Number.isSafeInteger(secs * 1000)) {
    out.error(NOT_AN_INTEGER);
    return;
  }
  let nx = false;
  let xx = false;
  let gt = false;
  let lt = false;
  for (let i = 3; i < argc; i++) {
    if (argIs(a, i, "NX")) nx = true;
    else if (argIs(a, i, "XX")) xx = true;
    else if (argIs(a, i, "GT")) gt = true;
    else if (argIs(a, i, "LT")) lt = true;
    else {
      out.error(`ERR Unsupported option ${argStr(a, i)}`);
      return;
    }
  }
  if ((nx && (xx || gt || lt)) || (gt && lt)) {
    out.error("ERR NX and XX, GT or LT options at the same time are not compatible");
    return;
  }
  const key = argStr(a, 1);
  if (!s.db.has(key)) {
    out.integer(0);
    return;
  }
  const current = s.db.deadlineOf(key);
  const at = now() + secs * 1000;
  // A missing TTL counts as infinite for GT/LT, as in Redis.
  const cur = current ?? Number.POSITIVE_INFINITY;
  if (
    (nx && current !== undefined) ||
    (xx && current === undefined) ||
    (gt && at <= cur) ||
    (lt && at >= cur)
  ) {
    out.integer(0);
    return;
  }
  if (secs <= 0) s.db.delete(key);
  else s.db.expireAt(key, at);
  out.integer(1);
}

function ttl(s: Session, a: Args, _argc: number, out: RespWriter): void {
  const key = argStr(a, 1);
  if (!s.db.has(key)) {
    out.integer(-2);
    return;
  }
  const at = s.db.deadlineOf(key);
  if (at === undefined) {
    out.integer(-1);
    return;
  }
  out.integer(Math.max(0, Math.round((at - now()) / 1000)));
}

function dbsize(s: Session, _a: Args, _argc: number, out: RespWriter): void {
  out.integer(s.db.size);
}

function flushall(s: Session, _a: Args, _argc: number, out: RespWriter): void {
  s.db.clear();
  out.raw(OK);
}

// --- connection and server commands ---

function ping(s: Session, a: Args, argc: number, out: RespWriter): void {
  if (s.subscriptionCount > 0) {
    // In subscribe mode RESP2 has no plain replies: Redis answers ["pong", message].
    out.arrayHeader(2);
    out.bulkString("pong");
    if (argc > 1) out.bulk(a.buf, a.starts[1], a.ends[1]);
    else out.bulkString("");
    return;
  }
  if (argc === 1) out.raw(PONG);
  else out.bulk(a.buf, a.starts[1], a.ends[1]);
}

function echo(_s: Session, a: Args, _argc: number, out: RespWriter): void {
  out.bulk(a.buf, a.starts[1], a.ends[1]);
}

function quit(s: Session, _a: Args, _argc: number, out: RespWriter): void {
  s.quit = true;
  out.raw(OK);
}

function select(_s: Session, a: Args, _argc: number, out: RespWriter): void {
  // One database, as in Redis Cluster: clients that select 0 (the default) work.
  if (argInt(a, 1) === 0) out.raw(OK);
  else out.error("ERR DB index is out of range");
}

/** CONFIG GET pattern [pattern ...]: enough for redis-benchmark and redis-cli. */
function config(s: Session, a: Args, argc: number, out: RespWriter): void {
  if (!argIs(a, 1, "GET")) {
    out.error(`ERR unknown subcommand '${argStr(a, 1)}'. Try CONFIG GET.`);
    return;
  }
  if (argc < 3) {
    wrongArity(out, "config|get");
    return;
  }
  const found: [string, string][] = [];
  for (const [k, v] of s.config) {
    for (let i = 2; i < argc; i++) {
      if (globMatch(argStr(a, i).toLowerCase(), k)) {
        found.push([k, v]);
        break;
      }
    }
  }
  out.arrayHeader(found.length * 2);
  for (const [k, v] of found) {
    out.bulkString(k);
    out.bulkString(v);
  }
}

/** INFO: the few fields clients read (ioredis's ready check reads `loading`). */
function info(s: Session, _a: Args, _argc: number, out: RespWriter): void {
  out.bulkString(
    "# Server\r\nredis_version:7.0.0\r\nredis_mode:standalone\r\nserver_name:pollux-mini-redis\r\n" +
      `tcp_port:${s.config.get("port") ?? "0"}\r\n\r\n# Persistence\r\nloading:0\r\n\r\n` +
      `# Keyspace\r\ndb0:keys=${s.db.size},expires=${s.db.expiring},avg_ttl=0\r\n`,
  );
}

/** COMMAND, COMMAND COUNT, COMMAND INFO name..., COMMAND DOCS (empty): enough for redis-cli. */
function command(_s: Session, a: Args, argc: number, out: RespWriter): void {
  if (argc === 1) {
    out.arrayHeader(COMMANDS.length);
    for (const c of COMMANDS) describe(c, out);
    return;
  }
  if (argIs(a, 1, "COUNT")) {
    out.integer(COMMANDS.length);
    return;
  }
  if (argIs(a, 1, "DOCS")) {
    out.raw(EMPTY_ARRAY);
    return;
  }
  if (argIs(a, 1, "INFO")) {
    out.arrayHeader(argc - 2);
    for (let i = 2; i < argc; i++) {
      const c = TABLE.find(a.buf, a.starts[i]!, a.ends[i]!);
      if (c === undefined) out.raw(NULL_ARRAY_BYTES);
      else describe(c, out);
    }
    return;
  }
  out.error(`ERR unknown subcommand '${argStr(a, 1)}'. Try COMMAND HELP.`);
}
const NULL_ARRAY_BYTES = Buffer.from("*-1\r\n");

/** A command's entry in COMMAND's reply: name, arity, flags, first key, last key, step. */
function describe(c: Command, out: RespWriter): void {
  out.arrayHeader(6);
  out.bulkString(c.name);
  out.integer(c.arity);
  out.arrayHeader(c.flags.length);
  for (const f of c.flags) out.simple(f);
  out.integer(c.firstKey);
  out.integer(c.lastKey);
  out.integer(c.firstKey === 0 ? 0 : 1);
}

// --- pub/sub ---

function publish(s: Session, a: Args, _argc: number, out: RespWriter): void {
  out.integer(s.pubsub.publish(argStr(a, 1), argCopy(a, 2)));
}

function subscribe(s: Session, a: Args, argc: number, out: RespWriter): void {
  const subs = s.subscriptions();
  for (let i = 1; i < argc; i++) subs.subscribe(argStr(a, i), out);
}

function unsubscribe(s: Session, a: Args, argc: number, out: RespWriter): void {
  const subs = s.subscriptions();
  if (argc === 1) subs.unsubscribeAll(out);
  else for (let i = 1; i < argc; i++) subs.unsubscribe(argStr(a, i), out);
}

function psubscribe(s: Session, a: Args, argc: number, out: RespWriter): void {
  const subs = s.subscriptions();
  for (let i = 1; i < argc; i++) subs.psubscribe(argStr(a, i), out);
}

function punsubscribe(s: Session, a: Args, argc: number, out: RespWriter): void {
  const subs = s.subscriptions();
  if (argc === 1) subs.punsubscribeAll(out);
  else for (let i = 1; i < argc; i++) subs.punsubscribe(argStr(a, i), out);
}

// --- the table ---

function cmd(
  name: string,
  arity: number,
  flags: readonly string[],
  firstKey: number,
  lastKey: number,
  run: Handler,
): Command {
  return { name, arity, flags, firstKey, lastKey, run };
}

const COMMANDS: readonly Command[] = [
  cmd("get", 2, ["readonly", "fast"], 1, 1, get),
  cmd("set", -3, ["write", "denyoom"], 1, 1, set),
  cmd("del", -2, ["write"], 1, -1, del),
  cmd("exists", -2, ["readonly", "fast"], 1, -1, exists),
  cmd("incr", 2, ["write", "denyoom", "fast"], 1, 1, incr),
  cmd("decr", 2, ["write", "denyoom", "fast"], 1, 1, decr),
  cmd("expire", -3, ["write", "fast"], 1, 1, expire),
  cmd("ttl", 2, ["readonly", "fast"], 1, 1, ttl),
  cmd("dbsize", 1, ["readonly", "fast"], 0, 0, dbsize),
  cmd("flushall", -1, ["write"], 0, 0, flushall),
  cmd("ping", -1, ["fast", "stale"], 0, 0, ping),
  cmd("echo", 2, ["fast"], 0, 0, echo),
  cmd("quit", -1, ["fast", "stale"], 0, 0, quit),
  cmd("select", 2, ["fast", "loading", "stale"], 0, 0, select),
  cmd("config", -2, ["admin", "noscript", "loading", "stale"], 0, 0, config),
  cmd("info", -1, ["loading", "stale"], 0, 0, info),
  cmd("command", -1, ["loading", "stale"], 0, 0, command),
  cmd("publish", 3, ["pubsub", "loading", "stale", "fast"], 0, 0, publish),
  cmd("subscribe", -2, ["pubsub", "noscript", "loading", "stale"], 0, 0, subscribe),
  cmd("unsubscribe", -1, ["pubsub", "noscript", "loading", "stale"], 0, 0, unsubscribe),
  cmd("psubscribe", -2, ["pubsub", "noscript", "loading", "stale"], 0, 0, psubscribe),
  cmd("punsubscribe", -1, ["pubsub", "noscript", "loading", "stale"], 0, 0, punsubscribe),
];

/** Name → command, read from the request bytes in any case (redis-benchmark "SET", ioredis "set"). */
const TABLE = new NameTable<Command>();
for (const c of COMMANDS) TABLE.add(c.name, c);

/** What a subscribed connection may still run (RESP2), as Redis. */
const IN_SUBSCRIBE_MODE = new Set(["subscribe", "unsubscribe", "psubscribe", "punsubscribe", "ping", "quit"]);

/**
 * Run the command of `argc` arguments in `a` and append its reply to `out`. Never throws for bad
 * input: unknown commands and wrong arguments are error replies, and the connection goes on.
 *
 * @example
 * for (let n = parser.next(); n !== NEED_MORE; n = parser.next()) execute(session, parser, n, out);
 */
export function execute(s: Session, a: Args, argc: number, out: RespWriter): void {
  const c = TABLE.find(a.buf, a.starts[0]!, a.ends[0]!);
  if (c === undefined) {
    const name = argStr(a, 0);
    let args = "";
    for (let i = 1; i < argc && i < 4; i++) args += `'${printable(argStr(a, i))}' `;
    out.error(`ERR unknown command '${printable(name)}', with args beginning with: ${args}`);
    return;
  }
  if (c.arity > 0 ? argc !== c.arity : argc < -c.arity) {
    wrongArity(out, c.name);
    return;
  }
  if (s.subscriptionCount > 0 && !IN_SUBSCRIBE_MODE.has(c.name)) {
    out.error(
      `ERR Can't execute '${c.name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
    );
    return;
  }
  c.run(s, a, argc, out);
}

/** An argument fit for an error line: no CR/LF, at most 128 characters. */
function printable(text: string): string {
  const t = text.length > 128 ? `${text.slice(0, 128)}...` : text;
  return t.replace(/[\r\n]/g, " ");
}
