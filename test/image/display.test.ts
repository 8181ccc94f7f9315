/** displayText: what a checkpoint's maker chose (names, command lines, paths) reaches a terminal only as escapes. */
import { describe, expect, it } from "vitest";
import { displayText } from "../../src/index.js";

describe("displayText", () => {
  it("writes newline, tab and carriage return as their escapes", () => {
    expect(displayText("a\nb\tc\rd")).toBe("a\\nb\\tc\\rd");
  });

  it("writes other C0 controls, DEL and C1 controls as \\xNN, at both ends of each range", () => {
    expect(displayText("\u0000\u0001\u0008\u000b\u001b[31m\u001f")).toBe("\\x00\\x01\\x08\\x0b\\x1b[31m\\x1f");
    expect(displayText("\u007f\u0080\u009b\u009f")).toBe("\\x7f\\x80\\x9b\\x9f");
  });

  it("writes the bidirectional overrides and isolates as \\uNNNN", () => {
    expect(displayText("\u202a\u202e\u2066\u2069")).toBe("\\u202a\\u202e\\u2066\\u2069");
  });

  it("leaves everything else as it is, next to the ranges included", () => {
    const kept = " ~\u00a0\u00e9\u2029\u202f\u2065\u206a\u4e2d😀/usr/bin/python3 -c 'x'";
    expect(displayText(kept)).toBe(kept);
    expect(displayText("")).toBe("");
  });

  it("gives text with no control character left, that reads back to the original", () => {
    for (let c = 0; c < 0x2100; c++) {
      const s = `<${String.fromCharCode(c)}>`;
      const shown = displayText(s);
      expect(shown).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
      const back = shown.replace(/\\(?:x([0-9a-f]{2})|u([0-9a-f]{4})|([ntr]))/g, (_, x, u, e) =>
        e
          ? (({ n: "\n", t: "\t", r: "\r" } as Record<string, string>)[e] ?? "")
          : String.fromCharCode(parseInt(x ?? u, 16)),
      );
      expect(back).toBe(s);
    }
  });
});
