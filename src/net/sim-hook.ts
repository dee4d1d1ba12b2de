/**
 * @internal The one switch between real sockets and `pollux/test`'s simulated network.
 *
 * `TcpListener.bind` and `TcpStream.connect` read `simNet.backend` once, when the future is built
 * (not on any read or write): null (always, outside a network simulation) means Node sockets.
 * `pollux/test`'s `Sim` sets it only while its simulated runtime polls, so code running under
 * `sim.run()` binds and connects on the in-memory network and never opens a real socket.
 */
import type { FutureBase } from "../future/future.js";
import { IoError } from "../io/error.js";
import type { TcpListener } from "./tcp-listener.js";
import type { TcpStream } from "./tcp-stream.js";

/** @internal what a network simulation implements. */
export interface NetBackend {
  bind(
    host: string,
    port: number,
    text: string,
    readHighWaterMark: number,
    backlog: number,
  ): FutureBase<TcpListener>;
  connect(host: string, port: number, text: string, readHighWaterMark: number): FutureBase<TcpStream>;
}

/** @internal the active network simulation, or null (real sockets). */
export const simNet: { backend: NetBackend | null } = { backend: null };

/**
 * @internal Called by the socket kinds the simulation does not model (UDP, Unix domain sockets)
 * when their future is built: under a `Sim` they fail instead of opening a real socket.
 */
export function refuseUnderSim(what: string): void {
  if (simNet.backend === null) return;
  throw new IoError(
    "Other",
    `${what} is not simulated: under pollux/test's Sim only TcpListener and TcpStream run on the simulated network, and no real socket is opened. Use TCP in simulated programs, or test this code outside Sim`,
  );
}
