// NameTable: the byte-level, case-insensitive command lookup behind `execute`.
import { describe, expect, it } from "vitest";
import { NameTable } from "../../examples/mini-redis/command-names.js";

const table = new NameTable<string>();
for (const name of ["get", "set", "del", "ttl", "incr", "info", "punsubscribe"]) table.add(name, name);

function find(text: string): string | undefined {
  const bytes = Buffer.from(`..${text}..`, "latin1"); // a range inside a larger buffer, as in the parser's
  return table.find(bytes, 2, 2 + bytes.length - 4);
}

describe("NameTable", () => {
  it.each(["get", "GET", "gEt", "set", "DEL", "Ttl", "incr", "INFO", "PUNSUBSCRIBE"])("finds %s", (name) => {
    expect(find(name)).toBe(name.toLowerCase());
  });

  it.each([
    ["", "empty"],
    ["ge", "a prefix"],
    ["gett", "longer"],
    ["gez", "one letter off"],
    ["G\u00c5T", "a latin1 letter whose lower case is not ASCII"],
    ["get\u0000", "a trailing NUL"],
    ["x".repeat(100), "longer than any name"],
  ])("does not find %j (%s)", (name) => {
    expect(find(name)).toBeUndefined();
  });

  it("folds the case of letters only: of all 256 bytes, just 'e' and 'E' make g?t a GET", () => {
    const found: number[] = [];
    for (let b = 0; b < 256; b++) if (find(`g${String.fromCharCode(b)}t`) === "get") found.push(b);
    expect(found).toEqual([69, 101]);
  });

  it("accepts only names made of letters (the case folding relies on it)", () => {
    expect(() => new NameTable<number>().add("get2", 1)).toThrow();
  });
});
