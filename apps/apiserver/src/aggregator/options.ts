/**
 * The aggregation-layer flags of kube-apiserver: request-header authentication (the front proxy's
 * client CA, allowed common names and header names) and the client certificate the aggregator
 * presents to aggregated API servers. Spread into apiserverFlagSpecs; `aggregatorConfigFrom`
 * validates them (files must be readable) into `ApiserverConfig.aggregator`.
 */
import { readFileSync } from 'node:fs';
import { FlagError, flag, type FlagValues } from '../config/flags';
import { flagTypes } from '../config/flag-types';

export interface RequestHeaderConfig {
  /** --requestheader-client-ca-file, and its PEM text */
  clientCAFile: string;
  clientCA: string;
  /** --requestheader-allowed-names (empty = any certificate signed by the CA) */
  allowedNames: string[];
  /** --requestheader-username-headers */
  usernameHeaders: string[];
  /** --requestheader-group-headers */
  groupHeaders: string[];
  /** --requestheader-extra-headers-prefix */
  extraHeaderPrefixes: string[];
}

export interface AggregatorConfig {
  /** absent when --requestheader-client-ca-file is not set (request-header authentication off, as upstream) */
  requestHeader?: RequestHeaderConfig;
  /** the flags as given (also published when the CA is not set) */
  allowedNames: string[];
  usernameHeaders: string[];
  groupHeaders: string[];
  extraHeaderPrefixes: string[];
  /** --proxy-client-cert-file / --proxy-client-key-file ('' = no client certificate) */
  proxyClientCertFile: string;
  proxyClientKeyFile: string;
  /** --enable-aggregator-routing (accepted; we always route to endpoint IPs, there is no service network) */
  enableAggregatorRouting: boolean;
}

export const aggregatorFlagSpecs = {
  requestheaderClientCAFile: flag({
    name: 'requestheader-client-ca-file',
    type: flagTypes.string,
    default: '',
    usage:
      'Root certificate bundle to use to verify client certificates on incoming requests before trusting usernames in headers specified by --requestheader-username-headers. WARNING: generally do not depend on authorization being already done for incoming requests.',
  }),
  requestheaderAllowedNames: flag({
    name: 'requestheader-allowed-names',
    type: flagTypes.stringSlice,
    default: [] as string[],
    usage:
      'List of client certificate common names to allow to provide usernames in headers specified by --requestheader-username-headers. If empty, any client certificate validated by the authorities in --requestheader-client-ca-file is allowed.',
  }),
  requestheaderUsernameHeaders: flag({
    name: 'requestheader-username-headers',
    type: flagTypes.stringSlice,
    default: [] as string[],
    usage: 'List of request headers to inspect for usernames. X-Remote-User is common.',
  }),
  requestheaderGroupHeaders: flag({
    name: 'requestheader-group-headers',
    type: flagTypes.stringSlice,
    default: [] as string[],
    usage: 'List of request headers to inspect for groups. X-Remote-Group is suggested.',
  }),
  requestheaderExtraHeadersPrefix: flag({
    name: 'requestheader-extra-headers-prefix',
    type: flagTypes.stringSlice,
    default: [] as string[],
    usage: 'List of request header prefixes to inspect. X-Remote-Extra- is suggested.',
  }),
  proxyClientCertFile: flag({
    name: 'proxy-client-cert-file',
    type: flagTypes.string,
    default: '',
    usage:
      "Client certificate used to prove the identity of the aggregator or kube-apiserver when it must call out during a request. This includes proxying requests to a user api-server and calling out to webhook admission plugins. It is expected that this cert includes a signature from the CA in the --requestheader-client-ca-file flag. That CA is published in the 'extension-apiserver-authentication' configmap in the kube-system namespace. Components receiving calls from kube-aggregator should use that CA to perform their half of the mutual TLS verification.",
  }),
  proxyClientKeyFile: flag({
    name: 'proxy-client-key-file',
    type: flagTypes.string,
    default: '',
    usage:
      'Private key for the client certificate used to prove the identity of the aggregator or kube-apiserver when it must call out during a request. This includes proxying requests to a user api-server and calling out to webhook admission plugins.',
  }),
  enableAggregatorRouting: flag({
    name: 'enable-aggregator-routing',
    type: flagTypes.bool,
    default: false,
    usage: 'Turns on aggregator routing requests to endpoints IP rather than cluster IP.',
  }),
};

export type AggregatorFlagValues = FlagValues<typeof aggregatorFlagSpecs>;

function readFile(flagName: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'no such file or directory' : err.message;
    throw new FlagError(`--${flagName}: open ${file}: ${why}`);
  }
}

/** Cross-flag validation (throws FlagError); warns as upstream when X-Remote-User is not among the username headers. */
export function aggregatorConfigFrom(v: AggregatorFlagValues, warn: (msg: string) => void = (m) => console.warn(m)): AggregatorConfig {
  if ((v.proxyClientCertFile === '') !== (v.proxyClientKeyFile === '')) {
    throw new FlagError('--proxy-client-cert-file and --proxy-client-key-file must be specified together');
  }
  if (v.proxyClientCertFile) {
    readFile('proxy-client-cert-file', v.proxyClientCertFile);
    readFile('proxy-client-key-file', v.proxyClientKeyFile);
  }
  const usernameHeaders = v.requestheaderUsernameHeaders;
  if (usernameHeaders.length > 0 && !usernameHeaders.some((h) => h.toLowerCase() === 'x-remote-user')) {
    warn('--requestheader-username-headers is set without specifying the standard X-Remote-User header - API aggregation will not work');
  }
  const out: AggregatorConfig = {
    allowedNames: v.requestheaderAllowedNames,
    usernameHeaders,
    groupHeaders: v.requestheaderGroupHeaders,
    extraHeaderPrefixes: v.requestheaderExtraHeadersPrefix,
    proxyClientCertFile: v.proxyClientCertFile,
    proxyClientKeyFile: v.proxyClientKeyFile,
    enableAggregatorRouting: v.enableAggregatorRouting,
  };
  if (v.requestheaderClientCAFile) {
    const clientCA = readFile('requestheader-client-ca-file', v.requestheaderClientCAFile);
    if (!clientCA.includes('-----BEGIN CERTIFICATE-----')) {
      throw new FlagError(`--requestheader-client-ca-file: data does not contain any valid RSA or ECDSA certificates`);
    }
    out.requestHeader = {
      clientCAFile: v.requestheaderClientCAFile,
      clientCA,
      allowedNames: out.allowedNames,
      usernameHeaders,
      groupHeaders: out.groupHeaders,
      extraHeaderPrefixes: out.extraHeaderPrefixes,
    };
  }
  return out;
}

/** The config when flags were not parsed (tests building ApiserverConfig by hand). */
export function defaultAggregatorConfig(): AggregatorConfig {
  return aggregatorConfigFrom(Object.fromEntries(Object.entries(aggregatorFlagSpecs).map(([k, d]) => [k, d.default])) as AggregatorFlagValues);
}
