/**
 * The base of the futures that drive one direction of a reader or writer (`read`, `readExact`,
 * `write`, `flush`, ...): they remember whether their last poll left a registration behind, and
 * their cancellation hands it back through the resource's optional `cancelRead`/`cancelWrite`, so
 * an abandoned wait leaves no waker and no runtime wake source behind.
 */
import { FutureBase } from "../future/future.js";
import type { AsyncRead, AsyncWrite } from "./traits.js";

/** A future waiting on `reader`; subclasses set `waiting` when `pollRead` returns PENDING. */
export abstract class ReaderFuture<T> extends FutureBase<T> {
  protected waiting = false;

  constructor(protected readonly reader: AsyncRead) {
    super();
  }

  override cancel(): void {
    if (this.waiting) {
      this.waiting = false;
      this.reader.cancelRead?.();
    }
  }
}

/** A future waiting on `writer`; subclasses set `waiting` when a `poll*` returns PENDING. */
export abstract class WriterFuture<T> extends FutureBase<T> {
  protected waiting = false;

  constructor(protected readonly writer: AsyncWrite) {
    super();
  }

  override cancel(): void {
    if (this.waiting) {
      this.waiting = false;
      this.writer.cancelWrite?.();
    }
  }
}
