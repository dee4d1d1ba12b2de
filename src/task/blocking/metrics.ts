/**
 * The blocking pool's figures, part of `runtime.metrics()`. In a file of their own, free of Node
 * types, so the public declarations type-check for consumers without `@types/node`.
 */

/** Figures of the `spawnBlocking` pool. */
export interface BlockingPoolMetrics {
  /** Worker threads alive (busy, idle or starting). */
  readonly blockingThreads: number;
  /** Of those, threads waiting for a job. */
  readonly blockingIdleThreads: number;
  /** Jobs waiting for a free thread. */
  readonly blockingQueueDepth: number;
  /** Jobs that returned a value. */
  readonly blockingJobsCompleted: number;
  /** Jobs that threw, or whose thread crashed. */
  readonly blockingJobsFailed: number;
}
