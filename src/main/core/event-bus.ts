/** Main's typed event bus: handlers and the engine host emit; the Electron bridge and the WebSocket server forward. */
import type { EventName, EventPayload } from '@shared/ipc/contract';

export type EventSink = (event: EventName, payload: unknown) => void;

export class EventBus {
  private readonly sinks = new Set<EventSink>();

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    for (const s of this.sinks) {
      try {
        s(event, payload);
      } catch (e) {
        // A broken transport must not break the emitter (or the other transports).
        console.error(`[events] ${event} delivery failed:`, e);
      }
    }
  }

  subscribe(sink: EventSink): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }
}
