// sim has no DOM and no Node types, but TextEncoder/TextDecoder exist in every runtime it targets
// (browsers, Node, Deno). Declare just the surface the baselines use.
declare global {
  interface TextEncoder {
    encode(input?: string): Uint8Array;
  }
  var TextEncoder: { prototype: TextEncoder; new (): TextEncoder };
  interface TextDecoder {
    decode(input?: Uint8Array): string;
  }
  var TextDecoder: { prototype: TextDecoder; new (label?: string): TextDecoder };
}
export {};
