// A long-lived process that runs `secrets` commands one after another, in-process, with the same
// program bundle dist/cli.js loads (its commander program): tests that need many runs of a command
// from a separate OS process pay Node's start-up once instead of once per run.
//
// Protocol (IPC): the parent sends { args }; the worker runs them with the program's run(), as
// dist/cli.js would in the working directory and environment the worker was started with, and
// answers { code, stderr }: the exit code the process would have had and what the command wrote to
// stderr. Stdout is not captured (commands write it straight to fd 1): it is the worker's own
// stdout, which the parent can check.
"use strict";
const { readFileSync } = require("node:fs");
const { join } = require("node:path");

const dist = join(__dirname, "..", "..", "dist");
const chunk = /"\/chunks\/(program-[^"]+\.cjs)"/.exec(readFileSync(join(dist, "cli.js"), "utf8"));
if (!chunk) throw new Error("dist/cli.js names no program chunk");
const { run } = require(join(dist, "chunks", chunk[1]));

const FATAL = ["uncaughtException", "unhandledRejection"];

process.on("message", async ({ args }) => {
  const before = FATAL.map((e) => process.listeners(e));
  const stderr = [];
  const write = process.stderr.write;
  process.stderr.write = (chunk, ...rest) => {
    stderr.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    const cb = rest.find((r) => typeof r === "function");
    if (cb) cb();
    return true;
  };
  process.exitCode = undefined;
  try {
    await run(args);
  } finally {
    process.stderr.write = write;
    // run() installs its fatal-error handlers for the life of a process: one run's, not the next's.
    FATAL.forEach((e, i) => {
      for (const l of process.listeners(e)) if (!before[i].includes(l)) process.off(e, l);
    });
  }
  const code = process.exitCode ?? 0;
  process.exitCode = undefined;
  process.send({ code, stderr: stderr.join("") });
});
process.send({ ready: true });
