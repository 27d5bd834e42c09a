/** Short messages that confirm an action or say why it failed, announced to screen readers. */
import { useSyncExternalStore } from "react";

export type Toast = { id: number; text: string; tone: "info" | "error" };

let toasts: Toast[] = [];
let counter = 0;
const listeners = new Set<() => void>();
const emit = () => {
  for (const listener of listeners) listener();
};

export function dismiss(id: number) {
  toasts = toasts.filter((t) => t.id !== id);
  emit();
}

/** Clears every message: they speak about the page that was left. */
export function dismissAll() {
  if (toasts.length === 0) return;
  toasts = [];
  emit();
}

/** Shows a message for a few seconds (errors stay longer). */
export function toast(text: string, tone: Toast["tone"] = "info") {
  const entry = { id: ++counter, text, tone };
  toasts = [...toasts.slice(-2), entry];
  emit();
  setTimeout(() => dismiss(entry.id), tone === "error" ? 9000 : 4500);
}

export function useToasts() {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => toasts,
  );
}
