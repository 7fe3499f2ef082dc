import { describe, expect, it } from "vitest";
import { handleDragDrop } from "./dragDrop";

function recorder() {
  const files: string[][] = [];
  const hover: boolean[] = [];
  return {
    files,
    hover,
    callbacks: {
      onFiles: (paths: string[]) => files.push(paths),
      onHover: (h: boolean) => hover.push(h),
    },
  };
}

const at = { x: 10, y: 10 } as never;

describe("the drop wiring", () => {
  it("hands every dropped path to the import command, once, in order", () => {
    const r = recorder();
    handleDragDrop({ type: "enter", paths: ["/a.pdf", "/b.PDF"], position: at }, r.callbacks);
    handleDragDrop({ type: "over", position: at }, r.callbacks);
    handleDragDrop(
      { type: "drop", paths: ["/a.pdf", "/b.PDF", "/notes.txt"], position: at },
      r.callbacks,
    );
    // A non-PDF goes too: the backend refuses it in place with its reason, nothing is silently dropped.
    expect(r.files).toEqual([["/a.pdf", "/b.PDF", "/notes.txt"]]);
    expect(r.hover).toEqual([true, true, false]);
  });

  it("shows the overlay while dragging and hides it on leave without importing", () => {
    const r = recorder();
    handleDragDrop({ type: "enter", paths: ["/a.pdf"], position: at }, r.callbacks);
    handleDragDrop({ type: "leave" }, r.callbacks);
    expect(r.files).toEqual([]);
    expect(r.hover).toEqual([true, false]);
  });

  it("ignores a drop with no files", () => {
    const r = recorder();
    handleDragDrop({ type: "drop", paths: [], position: at }, r.callbacks);
    expect(r.files).toEqual([]);
  });
});
