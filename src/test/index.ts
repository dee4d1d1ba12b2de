/**
 * `pollux/test`: deterministic simulation testing. Run a program on a runtime whose every
 * scheduling decision comes from a seed, with a paused clock, and replay any failure exactly.
 *
 * - {@link simulate}: one run, one seed (or the choices of an `exhaust` schedule), optional chaos
 *   and trace.
 * - {@link explore}: many seeds; the first failure names its seed and the call that replays it.
 * - {@link exhaust}: every schedule of a small program, depth first, up to a bound.
 * - {@link formatTrace}: a trace, one line per event.
 * - {@link faultyDuplex}: `duplex` with latency, reset and stall, for protocol tests.
 * - {@link Sim}: a simulated network: hosts and clients using `pollux/net`'s `TcpListener` and
 *   `TcpStream` over an in-memory network with seeded latency, partitions and host crashes.
 *
 * See docs/guide-testing.md.
 *
 * @module
 */
export { ExhaustError, type ExhaustOptions, type ExhaustResult, exhaust } from "./exhaust.js";
export { ExploreError, type ExploreOptions, type ExploreResult, explore } from "./explore.js";
export {
  type DuplexFaults,
  type FaultyDuplexOptions,
  FaultyDuplexStream,
  faultyDuplex,
} from "./faulty-duplex.js";
export { Sim, type SimOptions, type SimProgram } from "./sim-net.js";
export { type SimulateOptions, SimulationError, type SimulationResult, simulate } from "./simulate.js";
export { formatTrace, type TraceEvent, type TraceKind } from "./trace.js";
