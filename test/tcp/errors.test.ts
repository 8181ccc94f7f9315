/**
 * TcpRewriteError is what a caller branches on and what the CLI prints: its
 * fields are part of the contract, so each is pinned here.
 */
import { describe, expect, it } from "vitest";
import { CriuImageError } from "../../src/framing/errors.js";
import { TcpRewriteError } from "../../src/tcp/index.js";

describe("TcpRewriteError", () => {
  it("carries one reason given as a string", () => {
    const e = new TcpRewriteError("port 0 is not a port");
    expect(e).toBeInstanceOf(CriuImageError);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe("TcpRewriteError");
    expect(e.code).toBe("REFUSED");
    expect(e.image).toBe("<checkpoint>");
    expect(e.offset).toBe(0);
    expect(e.expected).toBe("rules that apply to every socket cleanly");
    expect(e.reasons).toEqual(["port 0 is not a port"]);
    expect(e.message).toBe("port 0 is not a port");
  });

  it("prints several reasons one per line, and keeps them as a list", () => {
    const reasons = ["first reason", "second reason", "third"];
    const e = new TcpRewriteError(reasons);
    expect(e.reasons).toEqual(reasons);
    expect(e.message).toBe("first reason\nsecond reason\nthird");
    expect(String(e)).toBe("TcpRewriteError: first reason\nsecond reason\nthird");
  });
});
