/** DeleteOptions from the query and/or the request body, validated as upstream. */
import { FieldError, fieldErrors } from '../../../../libs/apimachinery/src/field-errors';
import { errors } from '../../../../libs/apimachinery/src/status';
import { isObject } from '../../../../libs/apimachinery/src/types';
import { DeleteParams } from '../../../../libs/registry/src/store';
import type { RequestContext } from '../http/context';
import { PROTOBUF_MEDIA_TYPE } from '../../../../libs/protobuf/src';
import { mediaTypeOf, parseDocument, readBody } from './body';

const POLICIES = ['Foreground', 'Background', 'Orphan'];

export async function parseDeleteParams(ctx: RequestContext): Promise<DeleteParams> {
  const body = await readBody(ctx);
  let opts: Record<string, unknown> = {};
  if (body.length > 0) {
    const media = mediaTypeOf(ctx);
    const doc = parseDocument(body, media === 'application/yaml' || media === PROTOBUF_MEDIA_TYPE ? media : 'application/json', 'DeleteOptions');
    if (!isObject(doc)) throw errors.badRequest('the object provided is unrecognized (must be of type DeleteOptions)');
    opts = doc;
  }
  const q = ctx.query;
  const errs: FieldError[] = [];
  let grace: number | undefined;
  const gq = q.get('gracePeriodSeconds');
  if (gq !== null) {
    if (!/^-?\d+$/.test(gq)) throw errors.badRequest(`strconv.ParseInt: parsing ${JSON.stringify(gq)}: invalid syntax`);
    grace = Number(gq);
  } else if (typeof opts.gracePeriodSeconds === 'number') {
    grace = opts.gracePeriodSeconds;
  }
  let policy = q.get('propagationPolicy') ?? (typeof opts.propagationPolicy === 'string' ? opts.propagationPolicy : undefined);
  if (policy !== undefined && !POLICIES.includes(policy)) {
    errs.push(fieldErrors.notSupported('propagationPolicy', policy, ['Foreground', 'Background', 'Orphan', 'nil']));
  }
  // the deprecated orphanDependents: true → Orphan, false → no orphan finalizer (Background)
  const oq = q.get('orphanDependents');
  const orphan = oq !== null ? oq === 'true' : typeof opts.orphanDependents === 'boolean' ? opts.orphanDependents : undefined;
  if (orphan !== undefined) {
    if (policy !== undefined) errs.push(fieldErrors.invalid('propagationPolicy', policy, 'orphanDependents and deletionPropagation cannot be both set'));
    else policy = orphan ? 'Orphan' : 'Background';
  }
  const dry = [...q.getAll('dryRun'), ...(Array.isArray(opts.dryRun) ? (opts.dryRun as unknown[]).map(String) : [])];
  dry.forEach((v, i) => {
    if (v !== 'All') errs.push(fieldErrors.notSupported(`dryRun[${i}]`, v, ['All']));
  });
  if (errs.length) throw errors.invalid('meta.k8s.io', 'DeleteOptions', '', errs);
  const pre = isObject(opts.preconditions) ? opts.preconditions : undefined;
  return {
    dryRun: dry.length > 0,
    gracePeriodSeconds: grace,
    propagationPolicy: policy,
    preconditions: pre
      ? {
          uid: typeof pre.uid === 'string' ? pre.uid : undefined,
          resourceVersion: typeof pre.resourceVersion === 'string' ? pre.resourceVersion : undefined,
        }
      : undefined,
  };
}
