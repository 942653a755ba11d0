/**
 * --encryption-provider-config: parsed and validated while the flags are read, so a bad file stops
 * the server before it serves (as kube-apiserver).
 */
import { flag } from '../config/flags';
import { flagTypes } from '../config/flag-types';
import { EncryptionConfigError, loadEncryptionConfig, type EncryptionConfig } from '../../../../libs/storage/src/encryption/config';

export const encryptionFlagSpecs = {
  encryptionProviderConfig: flag({
    name: 'encryption-provider-config',
    type: flagTypes.string,
    default: '',
    usage: 'The file containing configuration for encryption providers to be used for storing secrets in etcd',
  }),
};

/** Throws an Error with the message to print (the caller wraps it as a FlagError). */
export function encryptionConfigFrom(v: { encryptionProviderConfig: string }): { encryptionProviderConfig?: string; encryption?: EncryptionConfig } {
  if (!v.encryptionProviderConfig) return {};
  try {
    return { encryptionProviderConfig: v.encryptionProviderConfig, encryption: loadEncryptionConfig(v.encryptionProviderConfig) };
  } catch (e) {
    if (e instanceof EncryptionConfigError) throw new Error(`--encryption-provider-config: ${e.message}`);
    throw e;
  }
}
