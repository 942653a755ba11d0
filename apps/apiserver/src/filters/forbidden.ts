/**
 * The 403 Forbidden Status upstream's responsewriters.Forbidden sends:
 *   configmaps is forbidden: User "bob" cannot list resource "configmaps" in API group "" in the namespace "x"
 *   pods "p" is forbidden: User "bob" cannot get resource "pods/log" in API group "" in the namespace "x"
 *   forbidden: User "bob" cannot get path "/foo"
 * with details { group?, kind: <resource>, name? } ({} for paths) and `: <reason>` appended when given.
 */
import type { Status, StatusDetails } from '../../../../libs/apimachinery/src/status';
import type { UserInfo } from '../http/context';
import { failureStatus, sanitize } from './responses';
import type { AuthorizationAttributes } from './types';

export function forbiddenMessage(user: UserInfo | undefined, attrs: AuthorizationAttributes): string {
  const username = JSON.stringify(user?.name ?? '');
  if (!attrs.isResourceRequest) return `User ${username} cannot ${attrs.verb} path ${JSON.stringify(attrs.path)}`;
  const resource = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
  const what = `User ${username} cannot ${attrs.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(attrs.apiGroup)}`;
  return attrs.namespace ? `${what} in the namespace ${JSON.stringify(attrs.namespace)}` : `${what} at the cluster scope`;
}

export function forbiddenStatus(user: UserInfo | undefined, attrs: AuthorizationAttributes, reason = ''): Status {
  const msg = sanitize(forbiddenMessage(user, attrs));
  const err = reason ? `${msg}: ${reason}` : msg;
  const group = attrs.isResourceRequest ? attrs.apiGroup : '';
  const resource = attrs.isResourceRequest ? attrs.resource : '';
  const name = attrs.isResourceRequest ? attrs.name : '';
  const grString = group ? `${resource}.${group}` : resource;
  let message: string;
  if (!group && !resource) message = `forbidden: ${err}`;
  else if (!name) message = `${grString} is forbidden: ${err}`;
  else message = `${grString} ${JSON.stringify(name)} is forbidden: ${err}`;
  const details: StatusDetails = {};
  if (name) details.name = name;
  if (group) details.group = group;
  if (resource) details.kind = resource;
  return failureStatus(403, 'Forbidden', message, details);
}
