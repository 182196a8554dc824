"""A stand-in ``orca-yarn`` for the argv/JSON tests: it records its argv and answers from env vars.

Why a fake next to the real tests: it pins the Python side of the CLI contract (design.md §3 and the
issue-6 additions) while the Go side is written, and it lets tests kill the Python parent and
watch what the child does. Everything it prints follows the contract: progress on stderr, noise on
stdout, the JSON result as the last stdout line.

    FAKE_LOG           file that gets one JSON line per call: {"argv": [...]} and events
    FAKE_SUBMIT        JSON object printed by `submit`      FAKE_SUBMIT_EXIT   its exit code
    FAKE_RAW_SUBMIT    printed verbatim instead (a broken binary)
    FAKE_DONE_DIR      `kill APP` creates DIR/APP; `attach APP` ends (exit 5) once it exists
"""

import json
import os
import signal
import sys
import time


def record(event):
    with open(os.environ["FAKE_LOG"], "a") as f:
        f.write(json.dumps(event) + "\n")


def main(argv):
    record({"argv": argv})
    cmd = argv[0] if argv else ""
    if cmd == "pack":
        print("packing env (cache hit)", file=sys.stderr)
        print("env hash 1234abcd")
        print(json.dumps({"hash": "1234abcd", "path": "hdfs://nn:8020/user/u/.orca-yarn/envs/1234abcd.tar.gz",
                          "size": 1000, "reused": True, "seconds": 0.1}))
        return 0
    if cmd == "cache":
        print(json.dumps({"path": "hdfs://nn:8020/user/u/.orca-yarn/cache/" + os.path.basename(argv[-1])}))
        return 0
    if cmd == "submit":
        print("submitted; waiting for Ray", file=sys.stderr)
        if "FAKE_RAW_SUBMIT" in os.environ:
            print(os.environ["FAKE_RAW_SUBMIT"])
            return int(os.environ.get("FAKE_SUBMIT_EXIT", "0"))
        print("a line of driver output")
        print(os.environ.get("FAKE_SUBMIT", "{}"))
        return int(os.environ.get("FAKE_SUBMIT_EXIT", "0"))
    if cmd == "kill":
        done = os.environ.get("FAKE_DONE_DIR")
        if done:
            open(os.path.join(done, argv[1]), "w").close()
        print(f"{argv[1]} killed")
        return 0
    if cmd == "attach":
        app = argv[1]

        def on_term(signum, frame):
            record({"event": "attach-signal", "signal": signum, "app": app})
            sys.exit(143)

        signal.signal(signal.SIGTERM, on_term)
        print(f"[head] hello from {app}", flush=True)
        print("[worker-1] ready", flush=True)
        done = os.path.join(os.environ.get("FAKE_DONE_DIR", "/nonexistent"), app)
        while not os.path.exists(done):
            time.sleep(0.05)
        print(f"[am] {app} ended: KILLED", flush=True)
        return 5
    print(f"unknown command {cmd}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
