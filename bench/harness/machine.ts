/** What the numbers were measured on, and how busy it was: they mean little without it. */
import os from "node:os";

export interface Machine {
  node: string;
  v8: string;
  platform: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  /** 1-minute load average when the run started and when it ended: how busy the machine was. */
  loadBefore: number;
  loadAfter: number;
}

export function describeMachine(loadBefore: number): Machine {
  const cpus = os.cpus();
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpu: cpus[0]?.model.trim() ?? "unknown",
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadBefore,
    loadAfter: os.loadavg()[0]!,
  };
}
