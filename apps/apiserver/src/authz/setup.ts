/**
 * Authorization wiring for one API replica: the --authorization-mode union (system:masters first,
 * then the modes in order), the RBAC informers and authorizer, the Node authorizer, escalation
 * prevention, the clusterrole-aggregation controller and the `poststarthook/rbac/bootstrap-roles`
 * ready check (default policy created or reconciled at start).
 *
 *   const authz = new AuthorizationSetup(config.authorizationModes);
 *   new ApiServer(..., { authorizer: authz.authorizer, ... }, [authz.readyCheck, ...]);
 *   authz.start(server);
 */
import type { ResourceDefinition } from '../../../../libs/registry/src/resource';
import type { AdmissionHook, Store } from '../../../../libs/registry/src/store';
import { defaultAuthorizer, PUBLIC_INFO_PATHS } from '../filters/default-authorizer';
import { SYSTEM_MASTERS, type Authorizer } from '../filters/types';
import type { HealthCheck } from '../handlers/health';
import { AggregationController } from './aggregation';
import { ensureBootstrapPolicy } from './bootstrap';
import { rbacEscalationCheck } from './escalation';
import { Informer } from './informer';
import { NodeAuthorizer } from './node-authorizer';
import { RbacAuthorizer } from './rbac-authorizer';
import { asInternal, withRequestUser } from './request-user';
import { withAuthorizationReviews } from './reviews';
import type { Filter } from '../http/context';
import { alwaysAllowAuthorizer, alwaysDenyAuthorizer, privilegedGroupsAuthorizer, unionAuthorizer, type RuleResolvingAuthorizer } from './union';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

export interface ServerStores {
  registry: { lookup(group: string, version: string, resource: string): ResourceDefinition | undefined };
  storeFor(def: ResourceDefinition): Store;
  readonly admission: AdmissionHook[];
}

export class AuthorizationSetup {
  /** undefined when no --authorization-mode was given: the chain uses defaultAuthorizer */
  readonly authorizer?: RuleResolvingAuthorizer;
  readonly rbac: RbacAuthorizer;
  readonly readyCheck: HealthCheck;
  private server?: ServerStores;
  private readonly informers: { roles: Informer; clusterRoles: Informer; roleBindings: Informer; clusterRoleBindings: Informer; pods?: Informer };
  private readonly aggregation: AggregationController;
  private bootstrapped = false;
  private bootstrapError = 'not finished';
  private stopped = false;

  constructor(modes: string[] = []) {
    const store = (group: string, resource: string) => () => {
      const def = this.server?.registry.lookup(group, 'v1', resource);
      if (!this.server || !def) throw new Error(`${resource} not served`);
      return this.server.storeFor(def);
    };
    this.informers = {
      roles: new Informer(store(RBAC_GROUP, 'roles'), 'roles'),
      clusterRoles: new Informer(store(RBAC_GROUP, 'clusterroles'), 'clusterroles'),
      roleBindings: new Informer(store(RBAC_GROUP, 'rolebindings'), 'rolebindings'),
      clusterRoleBindings: new Informer(store(RBAC_GROUP, 'clusterrolebindings'), 'clusterrolebindings'),
    };
    this.rbac = new RbacAuthorizer(this.informers);
    this.aggregation = new AggregationController(this.informers.clusterRoles, store(RBAC_GROUP, 'clusterroles'));
    if (modes.length > 0) {
      const members: RuleResolvingAuthorizer[] = [privilegedGroupsAuthorizer(SYSTEM_MASTERS)];
      for (const m of modes) {
        if (m === 'AlwaysAllow') members.push(alwaysAllowAuthorizer);
        else if (m === 'AlwaysDeny') members.push(alwaysDenyAuthorizer);
        else if (m === 'RBAC') members.push(this.rbacMember());
        else if (m === 'Node') {
          this.informers.pods = new Informer(store('', 'pods'), 'pods');
          members.push(new NodeAuthorizer(this.informers.pods));
        }
      }
      this.authorizer = unionAuthorizer(members);
    }
    this.readyCheck = {
      name: 'poststarthook/rbac/bootstrap-roles',
      check: async () => {
        if (!this.bootstrapped) throw new Error(this.bootstrapError);
      },
    };
  }

  /** the authorizer the chain uses */
  effective(): Authorizer {
    return this.authorizer ?? defaultAuthorizer;
  }

  private rbacMember(): RuleResolvingAuthorizer {
    const rbac = this.rbac;
    return {
      authorize: (u, a) => rbac.authorize(u, a),
      rulesFor: (u, ns) => {
        const r = rbac.rulesFor(u, ns);
        return {
          resourceRules: r.rules.filter((x) => (x.resources ?? []).length > 0),
          nonResourceRules: r.rules.filter((x) => (x.nonResourceURLs ?? []).length > 0),
          incomplete: false,
          errors: r.errors,
        };
      },
    };
  }

  /** Start informers, escalation checks, the aggregation controller and the bootstrap hook. */
  start(server: ServerStores): void {
    this.server = server;
    server.admission.push(rbacEscalationCheck({ authorizer: () => this.effective(), resolver: this.rbac }));
    asInternal(() => {
      for (const inf of Object.values(this.informers)) inf?.start();
      this.aggregation.start();
      void this.bootstrap();
    });
  }

  private async bootstrap(): Promise<void> {
    const crDef = this.server!.registry.lookup(RBAC_GROUP, 'v1', 'clusterroles');
    const crbDef = this.server!.registry.lookup(RBAC_GROUP, 'v1', 'clusterrolebindings');
    if (!crDef || !crbDef) {
      this.bootstrapped = true;
      return;
    }
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        const roleDef = this.server!.registry.lookup(RBAC_GROUP, 'v1', 'roles');
        const rbDef = this.server!.registry.lookup(RBAC_GROUP, 'v1', 'rolebindings');
        await ensureBootstrapPolicy({
          clusterRoles: this.server!.storeFor(crDef),
          clusterRoleBindings: this.server!.storeFor(crbDef),
          roles: roleDef && this.server!.storeFor(roleDef),
          roleBindings: rbDef && this.server!.storeFor(rbDef),
        });
        await Promise.all(Object.values(this.informers).map((i) => i?.waitForSync()));
        this.bootstrapped = true;
        return;
      } catch (e) {
        this.bootstrapError = `unable to initialize clusterroles: ${(e as Error).message}`;
        if (attempt === 3) console.warn(`rbac/bootstrap-roles: ${(e as Error).message}; retrying`);
        await new Promise((r) => setTimeout(r, Math.min(5000, 200 * 2 ** Math.min(attempt, 5))).unref());
      }
    }
  }

  stop(): void {
    this.stopped = true;
    this.aggregation.stop();
    for (const inf of Object.values(this.informers)) inf?.stop();
  }
}

/**
 * Innermost filters, right before the router (after authorization): the request's user for
 * admission hooks (request-user.ts), then the authorization.k8s.io reviews (reviews.ts).
 */
export function withAuthorizationScope(authorizer: Authorizer | undefined): Filter {
  const reviews = withAuthorizationReviews(authorizer ?? defaultWithRules);
  const scope = withRequestUser();
  return (next) => scope(reviews(next));
}

/** defaultAuthorizer plus the rules it grants, for SelfSubjectRulesReview when no mode is set. */
const defaultWithRules: RuleResolvingAuthorizer = {
  authorize: (u, a) => defaultAuthorizer.authorize(u, a),
  rulesFor: (u) => {
    if (u.groups.includes(SYSTEM_MASTERS)) return alwaysAllowAuthorizer.rulesFor!(u, '');
    if (u.groups.includes('system:authenticated')) {
      const all = alwaysAllowAuthorizer.rulesFor!(u, '');
      // everything but impersonation, which this authorizer cannot express as rules
      return { ...all, incomplete: true };
    }
    return { resourceRules: [], nonResourceRules: [{ verbs: ['get'], nonResourceURLs: [...PUBLIC_INFO_PATHS] }], incomplete: false, errors: [] };
  },
};
