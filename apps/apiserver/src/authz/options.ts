/**
 * --authorization-mode (upstream's flag and text). Kubernest's default (the flag unset) keeps the
 * built-in defaultAuthorizer (filters/default-authorizer.ts) instead of upstream's AlwaysAllow, so
 * existing setups behave as before; `--authorization-mode=RBAC` (or `Node,RBAC`, ...) turns RBAC on.
 */
import { flag } from '../config/flags';
import { flagTypes } from '../config/flag-types';
import { validateAuthorizationModes } from './union';

export const authzFlagSpecs = {
  authorizationMode: flag({
    name: 'authorization-mode',
    type: flagTypes.stringSlice,
    default: [] as string[],
    usage:
      'Ordered list of plug-ins to do authorization on secure port. Defaults to AlwaysAllow if --authorization-config is not used. Comma-delimited list of: AlwaysAllow,AlwaysDeny,ABAC,Webhook,RBAC,Node. (Kubernest: unset keeps the built-in default authorizer.)',
    validate: (v: string[]) => validateAuthorizationModes(v),
  }),
};
