/**
 * @internal Reading a Node socket through `onread`: Node reads the kernel's bytes into one shared
 * buffer and passes them to a callback, synchronously, instead of through its Readable stream.
 *
 * WHY. Node's default read path allocates a fresh 64 KiB ArrayBuffer for every read (then shrinks
 * it to the bytes read), wraps it in a Buffer, pushes it through the Readable state machine and
 * emits 'data'. For a server answering small requests that is about 1 µs of a request's 7 µs of
 * CPU (a one-read-one-write server on this machine: 7.0 µs per request with 'data' events, 6.0 µs
 * with `onread`). With `onread` a read costs one copy of the bytes it brought, out of a buffer that
 * stays hot in the cache.
 *
 * HOW. `onread` is a public option of `net.Socket` and `net.connect`, but a socket accepted by a
 * `net.Server` is created by Node without it, and a connecting socket has its handle only once
 * `connect()` ran. Node keeps the option in two symbol-keyed fields of the socket (the buffer and
 * the callback) and tells the libuv handle with `useUserBuffer`. pollux finds the two symbols once,
 * from a probe socket made with `onread` (matching the fields' values, so nothing depends on the
 * symbols' names), and sets them on a socket that has not started reading. From then on Node's own
 * `pause()`/`resume()` stop and start reading the file descriptor, 'end', 'error' and 'close' come
 * as before, and only 'data' is no longer emitted. If anything is not as expected (a Node version
 * that keeps the option elsewhere, a socket whose handle is not a libuv stream), `adoptOnRead`
 * changes nothing and returns false: the stream then reads through 'data' events.
 *
 * The buffer is shared by every socket of this thread: Node fills it and calls the callback before
 * it reads again, so a callback that copies what it needs before returning is all it takes.
 */
import { Socket, type SocketConstructorOpts } from "node:net";

/**
 * Called with the bytes of one read: `shared[0..n)`, valid only until it returns. Returning false
 * makes Node stop reading the socket (until `resume()`).
 */
export type OnRead = (n: number, shared: Buffer) => boolean;

/** The shared read buffer: as large as one read of Node's own path. */
const SHARED = Buffer.allocUnsafeSlow(64 * 1024);

interface OnReadFields {
  readonly buffer: symbol;
  readonly callback: symbol;
}

let fields: OnReadFields | null | undefined;

/** The two fields `onread` sets on a socket, found once from a probe; null when not found. */
function onReadFields(): OnReadFields | null {
  if (fields !== undefined) return fields;
  fields = null;
  try {
    const probeBuffer = Buffer.alloc(1);
    const probeCallback = (): void => {};
    // Typed as a connect option only; the Socket constructor is what reads it.
    const options = { onread: { buffer: probeBuffer, callback: probeCallback } } as SocketConstructorOpts;
    const probe = new Socket(options);
    let buffer: symbol | undefined;
    let callback: symbol | undefined;
    const record = probe as unknown as Record<symbol, unknown>;
    for (const s of Object.getOwnPropertySymbols(probe)) {
      if (record[s] === probeBuffer) buffer = s;
      else if (record[s] === probeCallback) callback = s;
    }
    probe.destroy();
    if (buffer !== undefined && callback !== undefined) fields = { buffer, callback };
  } catch {
    // A Node without `onread` on sockets: 'data' events it is.
  }
  return fields;
}

interface StreamHandle {
  reading?: boolean;
  useUserBuffer?: (buf: Uint8Array) => void;
}

/**
 * Switch `socket` to reading through `onRead` with the shared buffer. The socket must be paused
 * and not yet reading (an accepted socket with `pauseOnConnect`, or a connected one that was
 * paused before `connect`). Returns false, changing nothing, when that is not possible.
 */
export function adoptOnRead(socket: Socket, onRead: OnRead): boolean {
  const f = onReadFields();
  const handle = (socket as unknown as { _handle?: StreamHandle | null })._handle;
  if (f === null || handle == null || typeof handle.useUserBuffer !== "function" || handle.reading === true) {
    return false;
  }
  const record = socket as unknown as Record<symbol, unknown>;
  record[f.buffer] = SHARED;
  record[f.callback] = onRead;
  handle.useUserBuffer(SHARED);
  return true;
}
