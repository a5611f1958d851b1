import { describe, expect, it } from "vitest";
import { clock, momentAt, strip, videoSource } from "./video";
import type { Hit } from "./ipc";

const video = (over: Partial<Hit> = {}): Hit =>
  ({
    id: "v".repeat(64),
    image: "media://localhost/" + "v".repeat(64),
    kind: "video",
    time: 8.04,
    moments: [
      { time: 8.04, thumbnail: "t8" },
      { time: 0, thumbnail: "t0" },
      { time: 3, thumbnail: "t3" },
    ],
    ...over,
  }) as Hit;

describe("videos", () => {
  it("write times as the CLI does", () => {
    expect(clock(75.9)).toBe("01:15");
    expect(clock(3725)).toBe("1:02:05");
    expect(clock(-1)).toBe("00:00");
  });

  it("play from the best moment, from the loopback server when there is one", () => {
    expect(videoSource(video(), null)).toBe(`media://localhost/${"v".repeat(64)}#t=8.040`);
    expect(videoSource(video(), "http://127.0.0.1:4000/tok/")).toBe(`http://127.0.0.1:4000/tok/${"v".repeat(64)}#t=8.040`);
    expect(videoSource(video({ time: null }), null)).toBe(`media://localhost/${"v".repeat(64)}`);
  });

  it("show moments in the order they happen, and which one is on screen", () => {
    const s = strip(video());
    expect(s.map((m) => m.time)).toEqual([0, 3, 8.04]);
    expect(momentAt(s, 5)?.time).toBe(3);
    expect(momentAt(s, 8.0)?.time).toBe(8.04);
    expect(momentAt(s, 100)?.time).toBe(8.04);
  });
});
