/**
 * fromCritJson on crit JSON broken one way at a time, starting from crit
 * 4.2's own output for real images: each is a CritJsonError naming the
 * JSON path and what crit's dict2pb would have needed there.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fromCritJson } from "../../src/json/index.js";
import { corpusRoot } from "../helpers/corpus.js";
import { critJsonError as error, golden } from "../helpers/crit-json.js";

describe("fromCritJson refusals", () => {
  it("of the document", () => {
    expect(error([])).toMatchInlineSnapshot(`"JSON: expected an object with "magic" and "entries""`);
    expect(error({ magic: 5, entries: [] })).toMatchInlineSnapshot(
      `"magic: expected an image kind name such as "FILES""`,
    );
    expect(error({ magic: "NOPE", entries: [] })).toMatchInlineSnapshot(
      `"magic: expected a CRIU image kind (got "NOPE")"`,
    );
    expect(error({ magic: "FILES", entries: {} })).toMatchInlineSnapshot(`"entries: expected a list of entries"`);
    expect(error({ magic: "FILES", entries: [], extra: 1 })).toMatchInlineSnapshot(
      `"extra: expected "magic" or "entries" (no key "extra" in crit JSON)"`,
    );
    expect(error({ magic: "FILES", entries: [7] })).toMatchInlineSnapshot(
      `"entries[0]: expected an object for file_entry"`,
    );
  });

  it("of fields, each by its path", () => {
    const files = golden("mixed-sockets", "files.img");
    // biome-ignore lint/suspicious/noExplicitAny: crit's JSON, edited field by field.
    const at = (i: number, edit: (e: Record<string, any>) => void) => {
      const d = structuredClone(files);
      edit(d.entries[i]);
      return error(d);
    };
    const isk = files.entries.findIndex((e: { isk?: unknown }) => e.isk);
    const usk = files.entries.findIndex((e: { usk?: unknown }) => e.usk);
    const reg = files.entries.findIndex((e: { reg?: unknown }) => e.reg);
    expect(
      at(isk, (e) => {
        e.isk.src_port = "x";
      }),
    ).toMatchInlineSnapshot(`"entries[5].isk.src_port: expected an integer for src_port (got "x")"`);
    expect(
      at(isk, (e) => {
        e.isk.src_port = -1;
      }),
    ).toMatchInlineSnapshot(`"entries[5].isk.src_port: expected a uint32 for src_port (-1 is out of range)"`);
    expect(
      at(isk, (e) => {
        e.isk.src_port = true;
      }),
    ).toMatchInlineSnapshot(`"entries[5].isk.src_port: expected an integer for src_port (got "true")"`);
    expect(
      at(isk, (e) => {
        e.isk.state = "NOT_A_STATE";
      }),
    ).toMatchInlineSnapshot(`"entries[5].isk.state: expected an integer for state (got "NOT_A_STATE")"`);
    expect(
      at(isk, (e) => {
        e.isk.family = 2.5;
      }),
    ).toMatchInlineSnapshot(`"entries[5].isk.family: expected an integer for family (got "2.5")"`);
    expect(
      at(isk, (e) => {
        e.isk.src_addr = ["10.0.0.1", "10.0.0.2"];
      }),
    ).toMatchInlineSnapshot(`"entries[5].isk.src_addr: expected one address string"`);
    expect(
      at(isk, (e) => {
        e.isk.src_addr = ["not an address"];
      }),
    ).toMatchInlineSnapshot(`"entries[5].isk.src_addr[0]: expected an IPv4 or IPv6 address (got "not an address")"`);
    expect(
      at(isk, (e) => {
        e.isk.src_addr = "10.0.0.1";
      }),
    ).toMatchInlineSnapshot(`"entries[5].isk.src_addr: expected a list for src_addr"`);
    expect(
      at(isk, (e) => {
        e.isk.nope = 1;
      }),
    ).toMatchInlineSnapshot(`"entries[5].isk.nope: expected a field of inet_sk_entry (no field "nope")"`);
    expect(
      at(isk, (e) => {
        e.isk = 3;
      }),
    ).toMatchInlineSnapshot(`"entries[5].isk: expected an object for inet_sk_entry"`);
    expect(
      at(usk, (e) => {
        e.usk.name = 5;
      }),
    ).toMatchInlineSnapshot(`"entries[21].usk.name: expected a quoted-printable string for name"`);
    expect(
      at(reg, (e) => {
        e.reg.name = 5;
      }),
    ).toMatchInlineSnapshot(`"entries[0].reg.name: expected a string for name"`);
    expect(
      at(isk, (e) => {
        e.isk.opts.reuseaddr = 1;
      }),
    ).toMatchInlineSnapshot(`"entries[5].isk.opts.reuseaddr: expected true or false for reuseaddr (got "1")"`);
    expect(
      at(isk, (e) => {
        e.type = 4;
      }),
    ).toBe("(no error)");
  });

  it("of enums, unknown fields and base64 bytes", () => {
    const files = golden("mixed-sockets", "files.img");
    // biome-ignore lint/suspicious/noExplicitAny: crit's JSON, edited field by field.
    const first = (edit: (e: Record<string, any>) => void, doc = files) => {
      const d = structuredClone(doc);
      edit(d.entries[0] ?? d.entries);
      return error(d);
    };
    expect(
      first((e) => {
        e.type = "NOPE";
      }),
    ).toBe('entries[0].type: expected a value of enum fd_types (got "NOPE")');
    expect(
      first((e) => {
        e.type = 15; // TUNF, by number: more than one digit
        e.tunf = e.reg;
        e.reg = undefined;
      }),
    ).not.toMatch(/enum/);
    for (const bad of [4.5, true, null])
      expect(
        first((e) => {
          e.type = bad;
        }),
        String(bad),
      ).toBe("entries[0].type: expected an enum name for type");
    expect(
      first((e) => {
        e.$unknown = 5;
      }),
    ).toBe("entries[0].$unknown: expected base64 of unknown fields");
    // 0x0f: a tag of wire type 7, which does not exist.
    expect(
      first((e) => {
        e.$unknown = "Dw==";
      }),
    ).toMatch(/^entries\[0\]\.\$unknown: expected unknown fields in wire format \(.+\)$/);
    for (const bad of ["x", null, [], true])
      expect(
        first((e) => {
          e.reg = bad;
        }),
        JSON.stringify(bad),
      ).toBe("entries[0].reg: expected an object for reg_file_entry");
    expect(
      first((e) => {
        e.reg.build_id = [1, "x"];
      }),
    ).toBe('entries[0].reg.build_id[1]: expected an integer for build_id (got "x")');
    const netdev = golden("netns", "netdev-9.img");
    expect(
      first((e) => {
        e.address = 5;
      }, netdev),
    ).toBe("entries[0].address: expected a base64 string for address");
  });
});

describe("fromCritJson's image", () => {
  it("carries the name it is given, inventory's single magic, IMG_SERVICE for stats, extras only where a kind has them", async () => {
    const { IMG_COMMON_MAGIC, IMG_SERVICE_MAGIC } = await import("../../src/index.js");
    const text = (scenario: string, image: string) =>
      readFileSync(join(corpusRoot, "crit", scenario, `${image}.json`), "utf8");
    const files = fromCritJson(text("many-fds", "files.img"), { name: "files.img" });
    expect([files.name, files.format, files.leadMagic, "extras" in files]).toEqual([
      "files.img",
      "v1.1",
      IMG_COMMON_MAGIC,
      false,
    ]);
    expect("name" in fromCritJson(text("many-fds", "files.img"))).toBe(false);
    const inv = fromCritJson(text("many-fds", "inventory.img"));
    expect([inv.format, "leadMagic" in inv]).toEqual(["v1", false]);
    expect(fromCritJson(text("many-fds", "stats-dump")).leadMagic).toBe(IMG_SERVICE_MAGIC);
    const pipes = fromCritJson(text("many-fds", "pipes-data.img"));
    expect("extras" in pipes && Array.isArray(pipes.extras) && pipes.extras.length).toBe(pipes.entries.length);
  });
});
