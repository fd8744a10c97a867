// core has no DOM and no Node types, but EventTarget, Event and CustomEvent exist in every runtime
// it targets (browsers, Node >= 19, Deno). Declare just the surface core uses.
declare global {
  interface EventListenerObject {
    handleEvent(event: Event): void;
  }
  type EventListenerOrEventListenerObject = ((event: Event) => void) | EventListenerObject;
  interface Event {
    readonly type: string;
  }
  var Event: { prototype: Event; new (type: string): Event };
  interface CustomEvent<T = unknown> extends Event {
    readonly detail: T;
  }
  var CustomEvent: { prototype: CustomEvent; new <T>(type: string, init?: { detail?: T }): CustomEvent<T> };
  interface EventTarget {
    addEventListener(
      type: string,
      listener: EventListenerOrEventListenerObject | null,
      options?: unknown,
    ): void;
    removeEventListener(
      type: string,
      listener: EventListenerOrEventListenerObject | null,
      options?: unknown,
    ): void;
    dispatchEvent(event: Event): boolean;
  }
  var EventTarget: { prototype: EventTarget; new (): EventTarget };
}
export {};
