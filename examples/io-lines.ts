/**
 * pollux/io end to end, runnable: `npm run build && printf 'hello\nworld\n' | node --import tsx examples/io-lines.ts`.
 *
 * stdin (a Node Readable) → BufReader lines → upper-case → FramedWrite(LinesCodec) → stdout (a Node
 * Writable). Backpressure runs both ways: a slow stdout makes writes wait for 'drain', which stops
 * the line loop, which stops reading stdin beyond its highWaterMark.
 */
import { END, runMain } from "pollux";
import { BufReader, FramedWrite, fromNodeReadable, fromNodeWritable, LinesCodec } from "pollux/io";

runMain(function* () {
  const lines = new BufReader(fromNodeReadable(process.stdin)).lines({ maxLength: 64 * 1024 });
  const out = new FramedWrite(fromNodeWritable(process.stdout), new LinesCodec());
  let count = 0;
  for (let line = yield* lines.next(); line !== END; line = yield* lines.next()) {
    yield* out.feed(line.toUpperCase());
    count++;
  }
  yield* out.feed(`(${count} lines)`);
  yield* out.flush();
});
