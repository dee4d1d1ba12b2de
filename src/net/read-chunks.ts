/**
 * @internal Where a socket stream keeps the bytes of one read until its task takes them, when it
 * reads through `onread` (see user-buffer-read.ts): small reads in Node's allocation pool, larger
 * ones in buffers that are recycled once taken.
 *
 * WHY recycle. A read of more than 4 KiB copied into a buffer of its own costs an ArrayBuffer per
 * read: a malloc, fresh pages, and external memory the GC has to account for and sweep (an echo
 * server of 16 KiB messages spent 1.4 µs per read on the allocation and copy, and 5% of its time
 * in the GC). With a few buffers per size class kept for reuse, a busy stream reads into memory
 * that is still in the cache, and a GC finds nothing to sweep.
 *
 * HOW. Four size classes, 8, 16, 32 and 64 KiB (a read is at most 64 KiB, the size of the shared
 * read buffer); a read gets a view of the first n bytes of a buffer of the smallest class that
 * fits, so a queued read holds at most twice its size. When the task has taken all of a read's
 * bytes the stream gives the buffer back, and up to 4 MiB of free buffers per thread are kept (the
 * GC takes the rest). Why that many: reads come in bursts. Hundreds of connections can be readable
 * in one event-loop turn, and once the runtime's time slice is spent their tasks run only after
 * Node has read them all, so a burst holds one buffer per connection at once (500 connections of
 * 16 KiB messages: 8 MB; with 8 buffers kept per class, 87% of those reads allocated). Reads of at
 * most 4 KiB are not recycled: they are slices of Node's shared pool (`Buffer.allocUnsafe`), which
 * already costs no malloc.
 */

/** Reads of more bytes than this get a recycled buffer (and are given back with `releaseChunk`). */
export const RECYCLED_ABOVE = 4096;

const SMALLEST_CLASS = 8192;
/** Free buffers kept, all classes together (bytes). */
const MAX_FREE_BYTES = 4 * 1024 * 1024;
const free: ArrayBuffer[][] = [[], [], [], []];
let freeBytes = 0;

function classOf(n: number): number {
  return n <= 8192 ? 0 : n <= 16384 ? 1 : n <= 32768 ? 2 : 3;
}

/** A private copy of `shared[0..n)` (`n` ≤ 64 KiB). */
export function readChunk(shared: Buffer, n: number): Buffer {
  let chunk: Buffer;
  if (n <= RECYCLED_ABOVE) chunk = Buffer.allocUnsafe(n);
  else {
    const c = classOf(n);
    let ab = free[c]!.pop();
    if (ab !== undefined) freeBytes -= ab.byteLength;
    else ab = Buffer.allocUnsafeSlow(SMALLEST_CLASS << c).buffer as ArrayBuffer;
    chunk = Buffer.from(ab, 0, n);
  }
  shared.copy(chunk, 0, 0, n);
  return chunk;
}

/**
 * Give back the buffer of a chunk from `readChunk` longer than `RECYCLED_ABOVE`, once nothing
 * refers to its bytes any more (the task has taken them all).
 */
export function releaseChunk(chunk: Buffer): void {
  const ab = chunk.buffer as ArrayBuffer;
  if (freeBytes + ab.byteLength > MAX_FREE_BYTES) return;
  free[classOf(ab.byteLength)]!.push(ab);
  freeBytes += ab.byteLength;
}
