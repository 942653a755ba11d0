/**
 * --authorization-mode building blocks, as upstream's authorizerfactory and union packages:
 * AlwaysAllow, AlwaysDeny (NoOpinion with "Everything is forbidden."), the privileged-group
 * authorizer (system:masters, always first), and the union (the first Allow or Deny wins; otherwise
 * NoOpinion with the reasons joined by "\n"). Each authorizer may also resolve the rules a user
 * holds (RulesFor, for SelfSubjectRulesReview).
 */
import type { UserInfo } from '../http/context';
import type { AuthorizationAttributes, AuthorizationDecision, Authorizer } from '../filters/types';
import type { PolicyRule } from './rules';

/** allowed, or an explicit denial (`denied`), or no opinion (neither) */
export interface Decision extends AuthorizationDecision {
  denied?: boolean;
}

export interface UserRules {
  resourceRules: PolicyRule[];
  nonResourceRules: PolicyRule[];
  incomplete: boolean;
  errors: string[];
}

export interface RuleResolvingAuthorizer extends Authorizer {
  authorize(user: UserInfo, attrs: AuthorizationAttributes): Promise<Decision>;
  rulesFor?(user: UserInfo, namespace: string): UserRules;
}

const ALL_RULES = (): UserRules => ({
  resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
  nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
  incomplete: false,
  errors: [],
});
const NO_RULES = (incomplete = false, errors: string[] = []): UserRules => ({ resourceRules: [], nonResourceRules: [], incomplete, errors });

export const alwaysAllowAuthorizer: RuleResolvingAuthorizer = {
  authorize: async () => ({ allowed: true }),
  rulesFor: ALL_RULES,
};

export const alwaysDenyAuthorizer: RuleResolvingAuthorizer = {
  authorize: async () => ({ allowed: false, reason: 'Everything is forbidden.' }),
  rulesFor: () => NO_RULES(),
};

export function privilegedGroupsAuthorizer(...groups: string[]): RuleResolvingAuthorizer {
  const member = (u: UserInfo) => u.groups.some((g) => groups.includes(g));
  return {
    authorize: async (u) => (member(u) ? { allowed: true } : { allowed: false }),
    rulesFor: (u) => (member(u) ? ALL_RULES() : NO_RULES()),
  };
}

export function unionAuthorizer(authorizers: RuleResolvingAuthorizer[]): RuleResolvingAuthorizer {
  return {
    async authorize(user, attrs) {
      const reasons: string[] = [];
      for (const a of authorizers) {
        const d = await a.authorize(user, attrs);
        if (d.allowed || d.denied) return d;
        if (d.reason) reasons.push(d.reason);
      }
      return { allowed: false, reason: reasons.join('\n') };
    },
    rulesFor(user, namespace) {
      const out = NO_RULES();
      for (const a of authorizers) {
        if (!a.rulesFor) {
          out.incomplete = true;
          continue;
        }
        const r = a.rulesFor(user, namespace);
        out.resourceRules.push(...r.resourceRules);
        out.nonResourceRules.push(...r.nonResourceRules);
        out.incomplete ||= r.incomplete;
        out.errors.push(...r.errors);
      }
      return out;
    },
  };
}

/** Upstream's mode names (ABAC and Webhook are not implemented here). */
export const AUTHORIZATION_MODES = ['AlwaysAllow', 'AlwaysDeny', 'RBAC', 'Node'] as const;
export type AuthorizationMode = (typeof AUTHORIZATION_MODES)[number];
const UPSTREAM_MODES = ['AlwaysAllow', 'AlwaysDeny', 'ABAC', 'Webhook', 'RBAC', 'Node'];

/** BuildAuthorizer's flag validation, with upstream's messages. Returns an error message or undefined. */
export function validateAuthorizationModes(modes: string[]): string | undefined {
  const seen = new Set<string>();
  for (const m of modes) {
    if (!UPSTREAM_MODES.includes(m)) return `authorization-mode ${JSON.stringify(m)} is not a valid mode`;
    if (!(AUTHORIZATION_MODES as readonly string[]).includes(m)) return `authorization-mode ${JSON.stringify(m)} is not supported by kubernest`;
    if (seen.has(m)) return `authorization-mode ${JSON.stringify(m)} has mode specified more than once`;
    seen.add(m);
  }
  return undefined;
}
