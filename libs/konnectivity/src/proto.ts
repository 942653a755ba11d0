/**
 * The Konnectivity wire format: proto/konnectivity/konnectivity.proto loaded with protobufjs, and
 * grpc-js method definitions for /ProxyService/Proxy and /AgentService/Connect built by hand (no
 * code generation). int64 ids travel as decimal strings in TypeScript (Go peers use the full
 * int64 range for `random`).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import * as protobuf from 'protobufjs';
import { findProtoFile } from '../../protobuf/src/proto-file';
import { decodePacket, encodePacket, encodePacketTransient } from './codec';

const PROTO_REL = join('proto', 'konnectivity', 'konnectivity.proto');

/** proto/ lives at the repository root: found upward from this file (source or dist/). */
export function protoPath(): string {
  return findProtoFile(PROTO_REL, __dirname);
}

export enum PacketType {
  DIAL_REQ = 0,
  DIAL_RSP = 1,
  CLOSE_REQ = 2,
  CLOSE_RSP = 3,
  DATA = 4,
  DIAL_CLS = 5,
  DRAIN = 6,
  WINDOW_UPDATE = 100,
}

export const packetTypeName = (t: PacketType): string => PacketType[t] ?? `UNKNOWN_${t}`;

export interface DialRequest {
  protocol: string;
  address: string;
  random: string;
  /** kubernest extension: W3C trace context of the dialer ('' = none) */
  traceparent?: string;
  tracestate?: string;
}
export interface DialResponse {
  error: string;
  connectID: string;
  random: string;
}
export interface Data {
  connectID: string;
  error: string;
  data: Buffer;
}

export interface Packet {
  type: PacketType;
  dialRequest?: DialRequest;
  dialResponse?: DialResponse;
  data?: Data;
  closeRequest?: { connectID: string };
  closeResponse?: { error: string; connectID: string };
  closeDial?: { random: string };
  drain?: Record<string, never>;
  windowUpdate?: { connectID: string; bytes: string };
}

/** Metadata keys (grpc-js lowercases them). */
export const MD_AGENT_ID = 'agentid';
export const MD_AGENT_IDENTIFIERS = 'agentidentifiers';
export const MD_SERVER_ID = 'serverid';
export const MD_SERVER_COUNT = 'servercount';
export const MD_AUTHORIZATION = 'authorization';
/** Kubernest extension: the sender's initial per-connection window (bytes); both sides must send it. */
export const MD_FLOW_CONTROL = 'kubernest-flow-control';

let packetType: protobuf.Type | undefined;
function T(): protobuf.Type {
  packetType ??= protobuf.loadSync(protoPath()).lookupType('Packet');
  return packetType;
}

const EMPTY = Buffer.alloc(0);
const str = (v: unknown) => (v === undefined || v === null ? '0' : String(v));

/** proto3 wire form omits default values, as Go does: drop '' and '0' fields of the payload */
function compact(p: Packet): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p)) {
    if (k === 'type') {
      if (v) out.type = v;
    } else if (v && typeof v === 'object') {
      const o: Record<string, unknown> = {};
      for (const [fk, fv] of Object.entries(v as Record<string, unknown>)) if (fv !== '' && fv !== '0' && !(Buffer.isBuffer(fv) && fv.length === 0)) o[fk] = fv;
      out[k] = o;
    }
  }
  return out;
}

/** protobufjs (reflection) encoding: the reference the hand-written codec (codec.ts) is tested against */
export function encodePacketReflect(p: Packet): Buffer {
  const t = T();
  return Buffer.from(t.encode(t.fromObject(compact(p))).finish());
}

/** protobufjs (reflection) decoding: the reference for codec.ts */
export function decodePacketReflect(b: Buffer): Packet {
  const t = T();
  const o = t.toObject(t.decode(b), { longs: String, enums: Number, defaults: false, bytes: Buffer, oneofs: false }) as Record<string, any>;
  const p: Packet = { type: Number(o.type ?? 0) };
  if (o.dialRequest) {
    p.dialRequest = { protocol: o.dialRequest.protocol ?? '', address: o.dialRequest.address ?? '', random: str(o.dialRequest.random) };
    if (o.dialRequest.traceparent) Object.assign(p.dialRequest, { traceparent: o.dialRequest.traceparent, tracestate: o.dialRequest.tracestate ?? '' });
  }
  if (o.dialResponse) p.dialResponse = { error: o.dialResponse.error ?? '', connectID: str(o.dialResponse.connectID), random: str(o.dialResponse.random) };
  if (o.data) {
    const d = o.data.data as Uint8Array | undefined;
    p.data = { connectID: str(o.data.connectID), error: o.data.error ?? '', data: d && d.length ? Buffer.from(d.buffer, d.byteOffset, d.length) : EMPTY };
  }
  if (o.closeRequest) p.closeRequest = { connectID: str(o.closeRequest.connectID) };
  if (o.closeResponse) p.closeResponse = { error: o.closeResponse.error ?? '', connectID: str(o.closeResponse.connectID) };
  if (o.closeDial) p.closeDial = { random: str(o.closeDial.random) };
  if (o.drain) p.drain = {};
  if (o.windowUpdate) p.windowUpdate = { connectID: str(o.windowUpdate.connectID), bytes: str(o.windowUpdate.bytes) };
  return p;
}

/** Packet ⇄ wire bytes: the hand-written codec (codec.ts), the hot path of every hop */
export { decodePacket, encodePacket };

// ---- packet constructors ------------------------------------------------------------------------

export const pkt = {
  dialReq: (address: string, random: string, trace: Record<string, string> = {}): Packet => ({
    type: PacketType.DIAL_REQ,
    dialRequest: { protocol: 'tcp', address, random, ...(trace.traceparent ? { traceparent: trace.traceparent, tracestate: trace.tracestate ?? '' } : {}) },
  }),
  dialRsp: (random: string, connectID: string, error = ''): Packet => ({ type: PacketType.DIAL_RSP, dialResponse: { random, connectID, error } }),
  data: (connectID: string, data: Buffer, error = ''): Packet => ({ type: PacketType.DATA, data: { connectID, data, error } }),
  closeReq: (connectID: string): Packet => ({ type: PacketType.CLOSE_REQ, closeRequest: { connectID } }),
  closeRsp: (connectID: string, error = ''): Packet => ({ type: PacketType.CLOSE_RSP, closeResponse: { connectID, error } }),
  dialCls: (random: string): Packet => ({ type: PacketType.DIAL_CLS, closeDial: { random } }),
  drain: (): Packet => ({ type: PacketType.DRAIN, drain: {} }),
  window: (connectID: string, bytes: number): Packet => ({ type: PacketType.WINDOW_UPDATE, windowUpdate: { connectID, bytes: String(bytes) } }),
};

// ---- grpc-js service definitions ----------------------------------------------------------------

function bidi(path: string, responseSerialize = encodePacket): MethodDefinition<Packet, Packet> {
  return {
    path,
    requestStream: true,
    responseStream: true,
    requestSerialize: encodePacket,
    requestDeserialize: decodePacket,
    responseSerialize,
    responseDeserialize: decodePacket,
  };
}

export const PROXY_METHOD = '/ProxyService/Proxy';
export const CONNECT_METHOD = '/AgentService/Connect';

/** client side (makeBidiStreamRequest) */
export const proxyService = { Proxy: bidi(PROXY_METHOD) };
export const agentService = { Connect: bidi(CONNECT_METHOD) };
/** server side (addService): responses are encoded into a scratch buffer grpc-js copies at once (codec.ts) */
export const proxyServiceDefinition = { Proxy: bidi(PROXY_METHOD, encodePacketTransient) } as unknown as ServiceDefinition;
export const agentServiceDefinition = { Connect: bidi(CONNECT_METHOD, encodePacketTransient) } as unknown as ServiceDefinition;

/** A random positive int64 as a decimal string (dial ids). */
export function randomID(): string {
  const b = randomBytes(8);
  const v = BigInt.asUintN(63, b.readBigUInt64BE());
  return (v === 0n ? 1n : v).toString();
}
