/**
 * Authorization: ask the Authorizer whether ctx.user may do what ctx.info describes. Allowed → on;
 * denied → 403 Forbidden Status as upstream; an authorizer error → upstream's plain-text 500.
 */
import type { Filter } from '../http/context';
import { forbiddenStatus } from './forbidden';
import { writeInternalErrorText, writeStatus } from './responses';
import type { Authorizer } from './types';

export function withAuthorization(authorizer: Authorizer): Filter {
  return (next) => async (ctx) => {
    const user = ctx.user;
    if (!user) {
      writeInternalErrorText(ctx, new Error('no user found for request'));
      return;
    }
    let decision;
    try {
      decision = await authorizer.authorize(user, ctx.info);
    } catch (e) {
      writeInternalErrorText(ctx, e);
      return;
    }
    if (decision.allowed) return next(ctx);
    writeStatus(ctx, forbiddenStatus(user, ctx.info, decision.reason), { 'X-Content-Type-Options': 'nosniff' });
  };
}
