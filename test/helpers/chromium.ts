/** Debian's Chromium, which the browser suites drive; .ci/run installs it, so in CI its absence fails. */
import { existsSync } from "node:fs";

export const CHROMIUM = "/usr/bin/chromium";
export const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run should have installed it`);

/** A suite's title, with the reason it is skipped where there is no Chromium (the runner's summary shows it). */
export const chromiumSuite = (title: string): string =>
  haveChromium ? title : `${title} (skipped: no ${CHROMIUM}; install Debian's chromium)`;
