/**
 * Encode and parse frames. `parse*` never throws: a bad frame is a typed error result.
 */
import * as v from 'valibot';
import { ErrorCode, PROTOCOL_VERSION } from './protocol.js';
import type { ClientMessage, Message, ServerMessage } from './protocol.js';
import { ClientMessageSchema, PEER_ID_ISSUE, ServerMessageSchema } from './schema.js';

/** Why a frame was refused. */
export interface ParseError {
  code: typeof ErrorCode.malformed | typeof ErrorCode.unsupportedVersion | typeof ErrorCode.invalidPeerId;
  message: string;
}

/** Outcome of parsing a frame. */
export type ParseResult<T> = { ok: true; message: T } | { ok: false; error: ParseError };

/** Serialises a frame to JSON text. Programmer error (throws) if it cannot be serialised. */
export function encode(message: Message): string {
  return JSON.stringify(message);
}

function parseWith<T>(
  schema: typeof ClientMessageSchema | typeof ServerMessageSchema,
  text: string,
): ParseResult<T> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return {
      ok: false,
      error: { code: ErrorCode.malformed, message: `not JSON: ${String(err).slice(0, 80)}` },
    };
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    return { ok: false, error: { code: ErrorCode.malformed, message: 'frame must be a JSON object' } };
  }
  const version = (json as { v?: unknown }).v;
  if (version !== PROTOCOL_VERSION) {
    return {
      ok: false,
      error: {
        code: ErrorCode.unsupportedVersion,
        message: `protocol version ${JSON.stringify(version)?.slice(0, 16) ?? 'missing'} not supported (want ${PROTOCOL_VERSION})`,
      },
    };
  }
  const result = v.safeParse(schema, json);
  if (!result.success) {
    const issue = result.issues[0];
    const path = issue.path?.map((p) => String(p.key)).join('.') ?? '';
    return {
      ok: false,
      error: {
        code: issue.message === PEER_ID_ISSUE ? ErrorCode.invalidPeerId : ErrorCode.malformed,
        message: `${path ? path + ': ' : ''}${issue.message}`.slice(0, 200),
      },
    };
  }
  return { ok: true, message: result.output as T };
}

/** Parses a frame a client sent (server side). Never throws. */
export function parseClientMessage(text: string): ParseResult<ClientMessage> {
  return parseWith<ClientMessage>(ClientMessageSchema, text);
}

/** Parses a frame a server sent (client side). Never throws. */
export function parseServerMessage(text: string): ParseResult<ServerMessage> {
  return parseWith<ServerMessage>(ServerMessageSchema, text);
}
