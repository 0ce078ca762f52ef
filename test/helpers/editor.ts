/**
 * The scripted editor of the edit tests: it records where it was pointed and with which permissions
 * (EDIT_LOG), then does what EDIT_MODE says.
 */
export const EDITOR_SCRIPT = `
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync, statSync } from "node:fs";
import { dirname } from "node:path";
const file = process.argv[2];
const st = statSync(file), dst = statSync(dirname(file));
writeFileSync(process.env.EDIT_LOG, JSON.stringify({ file, fileMode: st.mode & 0o777, dirMode: dst.mode & 0o777, pid: process.pid }));
const text = readFileSync(file, "utf8");
switch (process.env.EDIT_MODE) {
  case "change": writeFileSync(file, text.replace("replicas: 3", "replicas: 4")); break;
  case "noop": break;
  case "invalid": writeFileSync(file, "a: [unclosed\\n"); break;
  case "fail": process.exit(3);
  case "new": writeFileSync(file, "token: brand-new-secret\\n"); break;
  case "sleep": setInterval(() => {}, 1000); break;
  // New text, and the target turned into a folder meanwhile: the save that follows must fail.
  case "change-then-block": writeFileSync(file, text.replace("replicas: 3", "replicas: 4")); rmSync(process.env.BLOCK, { force: true }); mkdirSync(process.env.BLOCK); break;
  // New text, while another writer changes the file through the CLI: the save must not overwrite it.
  case "change-while-set": writeFileSync(file, text.replace("replicas: 3", "replicas: 4")); execFileSync(process.execPath, [process.env.CLI, "set", process.env.TARGET, '["other"]', '"set meanwhile"']); break;
}
`;

/** Runs ARGV on a pseudo-terminal (Python's pty), types SEND once WAIT_FOR has been printed; exits with ARGV's code. */
export const PTY_SCRIPT = `
import os, pty, sys, time, select
wait_for = sys.argv[1].encode(); send = sys.argv[2].encode()
argv = sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
out = b""; sent = False; deadline = time.time() + 30
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.2)
    if r:
        try: chunk = os.read(fd, 4096)
        except OSError: break
        if not chunk: break
        out += chunk
    if not sent and wait_for in out:
        time.sleep(0.2); os.write(fd, send); sent = True
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(out)
sys.exit(os.waitstatus_to_exitcode(status))
`;
