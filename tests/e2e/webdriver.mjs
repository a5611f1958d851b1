// A few lines of W3C WebDriver over fetch, shared by the end-to-end scripts:
// commands, waiting for a condition, a checked assertion, screenshots.
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

/** WebDriver's codes for the keys the tests press. */
export const KEY = { enter: "\uE007", escape: "\uE00C", left: "\uE012", up: "\uE013", right: "\uE014", down: "\uE015" };

/** A WebDriver client for the driver at `base` (tauri-driver's port). */
export function driver(base = "http://127.0.0.1:4444") {
  async function wd(method, path, body) {
    const res = await fetch(base + path, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json).slice(0, 400)}`);
    return json.value;
  }
  return { wd };
}

/** Polls `f` until it gives something truthy, or fails after `ms`. */
export async function until(what, f, ms = 30000) {
  const start = Date.now();
  let last;
  while (Date.now() - start < ms) {
    try {
      const v = await f();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ""}`);
}

export function check(cond, msg) {
  if (!cond) throw new Error(msg);
  console.log(`ok - ${msg}`);
}

/** Starts a session on the app at `app`; returns helpers bound to it. */
export async function session(wd, app) {
  const s0 = await until("a session", () =>
    wd("POST", "/session", {
      capabilities: { alwaysMatch: { browserName: "wry", "tauri:options": { application: app } } },
    }),
  );
  const sid = s0.sessionId;
  const s = (p) => `/session/${sid}${p}`;
  return {
    sid,
    s,
    run: (script, args = []) => wd("POST", s("/execute/sync"), { script, args }),
    // After two frames (and a moment for the compositor): what was just laid out is painted.
    shot: async (dir, name) => {
      await wd("POST", s("/execute/async"), {
        script: "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 150)));",
        args: [],
      });
      writeFileSync(join(dir, name), Buffer.from(await wd("GET", s("/screenshot")), "base64"));
    },
    // Real key presses (W3C actions) to whatever has the focus, one after another.
    keys: (...pressed) =>
      wd("POST", s("/actions"), {
        actions: [{ type: "key", id: "keyboard", actions: pressed.flatMap((k) => [{ type: "keyDown", value: k }, { type: "keyUp", value: k }]) }],
      }),
    end: () => wd("DELETE", `/session/${sid}`).catch(() => {}),
  };
}
