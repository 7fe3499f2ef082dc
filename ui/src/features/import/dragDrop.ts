import { stopQuietly } from "../../ipc/stopQuietly";
import { useEffect, useState } from "react";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import type { DragDropEvent } from "@tauri-apps/api/webview";

/** What a drag over the window means for the import flow. */
export interface DropCallbacks {
  /** Files were dropped: their paths, in the order the system gave them. */
  onFiles: (paths: string[]) => void;
  /** Whether files are being dragged over the window (for the drop overlay). */
  onHover: (hovering: boolean) => void;
}

/**
 * The drop wiring, apart from Tauri so it can be tested on its own: a drop hands every path to
 * the same import command the file picker uses (a non-PDF is refused by the backend, in place,
 * with its reason), and the overlay follows enter/over/leave.
 */
export function handleDragDrop(event: DragDropEvent, callbacks: DropCallbacks): void {
  switch (event.type) {
    case "enter":
    case "over":
      callbacks.onHover(true);
      return;
    case "leave":
      callbacks.onHover(false);
      return;
    case "drop":
      callbacks.onHover(false);
      if (event.paths.length > 0) callbacks.onFiles(event.paths);
      return;
  }
}

/** Listens to files dragged onto the window; returns whether a drag is over it now. */
export function useFileDrop(onFiles: (paths: string[]) => void): boolean {
  const [hovering, setHovering] = useState(false);
  useEffect(() => {
    let unlisten: (() => void) | undefined;
    let live = true;
    const ignore = () => {
      // Outside the Tauri window (unit tests, a plain browser) there is nothing to listen to.
    };
    try {
      getCurrentWebview()
        .onDragDropEvent((e) => {
          handleDragDrop(e.payload, { onFiles, onHover: setHovering });
        })
        .then((stop) => {
          if (live) unlisten = stop;
          else stopQuietly(stop);
        }, ignore);
    } catch {
      ignore();
    }
    return () => {
      live = false;
      if (unlisten !== undefined) stopQuietly(unlisten);
    };
  }, [onFiles]);
  return hovering;
}
