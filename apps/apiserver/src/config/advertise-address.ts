/**
 * Upstream's default for --advertise-address: the bind address when it is a specific address,
 * otherwise an address of this host (first non-internal IPv4), otherwise 127.0.0.1.
 */
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { isUnspecifiedIP } from './net-validation';

export type InterfaceLister = () => NodeJS.Dict<NetworkInterfaceInfo[]>;

export function firstHostIPv4(list: InterfaceLister = networkInterfaces): string | undefined {
  for (const infos of Object.values(list())) {
    for (const info of infos ?? []) {
      if (!info.internal && info.family === 'IPv4') return info.address;
    }
  }
  return undefined;
}

export function defaultAdvertiseAddress(bindAddress: string, list: InterfaceLister = networkInterfaces): string {
  if (!isUnspecifiedIP(bindAddress)) return bindAddress;
  return firstHostIPv4(list) ?? '127.0.0.1';
}
